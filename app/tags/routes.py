"""Tagging cards (everyone), own tags (facilitator), follow-ups in the revisit list (everyone)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import fragments
from app.lookups import get_card
from app.realtime import board_change
from app.responses import DIALOG_DONE, html
from app.security import require_facilitator, require_member
from app.tags import service
from app.tags.palette import PALETTE
from app.templating import render_partial



@post("/w/{slug:str}/cards/{card_id:int}/tags")
async def set_card_tag(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """Form: tag_id, on (1 = put on, 0 = take off)."""
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card = await service.set_card_tag(db_session, workshop, member, card_id, form.get("tag_id"), form.get("on") == "1")
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id), fragments.revisit(workshop))
    mine = await fragments.mine(db_session, workshop, member, (card.phase_id, card.lane_id)) if card.private else ""
    return html(change.render() + mine)


@get("/w/{slug:str}/cards/{card_id:int}/followup")
async def followup_form(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """The follow-up form of one card, fetched into the dialog (as every form is)."""
    workshop, member = await require_member(request, db_session, slug)
    card = await get_card(db_session, workshop, card_id, member)
    return html(render_partial("board/forms/followup.html", workshop=workshop, card=card))


@post("/w/{slug:str}/cards/{card_id:int}/followup")
async def update_followup(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """Form: note, owner, status (open | resolved)."""
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.update_followup(db_session, workshop, member, card_id, form.get("note"), form.get("owner"), form.get("status"))
        change.add(fragments.revisit(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@get("/w/{slug:str}/tags/new")
async def tag_form(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, _member = await require_facilitator(request, db_session, slug)
    return html(render_partial("board/forms/tag.html", workshop=workshop, palette=PALETTE))


@post("/w/{slug:str}/tags")
async def add_tag(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Form: name, letter, colour (a palette name)."""
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.add_tag(db_session, workshop, member, form.get("name"), form.get("letter"), form.get("colour"))
        change.add(fragments.tag_tools(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/tags/{tag_id:int}/delete")
async def delete_tag(request: Request, db_session: AsyncSession, slug: str, tag_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.delete_tag(db_session, workshop, member, tag_id)
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


ROUTES = [set_card_tag, followup_form, update_followup, tag_form, add_tag, delete_tag]
