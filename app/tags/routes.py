"""Tagging cards and their follow-ups (any member); the workshop's own tags (facilitator)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import requires_facilitator, requires_member
from app.board import fragments
from app.forms import Form, form
from app.lookups import get_card
from app.models import Participant, Workshop
from app.live.change import board_change
from app.responses import DIALOG_DONE, html
from app.tags import service
from app.tags.palette import PALETTE
from app.templating import render_partial


class CardTag(Form):
    tag_id: int
    on: bool = False  # True: put the tag on; False: take it off


class FollowUp(Form):
    note: str = ""
    owner: str = ""
    status: str = ""  # open | resolved


class NewTag(Form):
    name: str = ""
    letter: str = ""
    colour: str = ""  # a palette name


class CardTags(Controller):
    path = "/w/{slug:str}/cards/{card_id:int}"
    guards = [requires_member]

    @post("/tags", dependencies=form(CardTag))
    async def set_tag(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                      card_id: int, form: CardTag) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card = await service.set_card_tag(db_session, workshop, member, card_id, form.tag_id, form.on)
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id), fragments.revisit(workshop))
        mine = await fragments.mine(db_session, workshop, member, (card.phase_id, card.lane_id)) if card.private else ""
        return html(change.render() + mine)

    @get("/followup")
    async def followup_form(self, db_session: AsyncSession, workshop: Workshop, member: Participant, card_id: int) -> Response:
        card = await get_card(db_session, workshop, card_id, member)
        return html(render_partial("board/forms/followup.html", workshop=workshop, card=card))

    @post("/followup", dependencies=form(FollowUp))
    async def update_followup(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                              card_id: int, form: FollowUp) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.update_followup(db_session, workshop, member, card_id, form.note, form.owner, form.status)
            change.add(fragments.revisit(workshop))
        return html(change.render(), trigger=DIALOG_DONE)


class Tags(Controller):
    path = "/w/{slug:str}/tags"
    guards = [requires_facilitator]

    @get("/new")
    async def tag_form(self, workshop: Workshop) -> Response:
        return html(render_partial("board/forms/tag.html", workshop=workshop, palette=PALETTE))

    @post("/", dependencies=form(NewTag))
    async def add(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                  form: NewTag) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.add_tag(db_session, workshop, member, form.name, form.letter, form.colour)
            change.add(fragments.tag_tools(workshop))
        return html(change.render(), trigger=DIALOG_DONE)

    @post("/{tag_id:int}/delete")
    async def delete(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                     tag_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.delete_tag(db_session, workshop, member, tag_id)
            change.add(fragments.whole_board(workshop))
        return html(change.render(), trigger=DIALOG_DONE)


ROUTES = [CardTags, Tags]
