"""The board page and every board change: cards (any member), phases and lanes (facilitator).

A change reads top to bottom: the controller's guard says who may ask, the form arrives typed,
the service validates and writes, and `board_change` commits, renders and broadcasts; the asker
gets the same fragments in their language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.live import presence
from app.access import asker, requires_facilitator, requires_member
from app.board import fragments, service
from app.chart import fragments as chart_fragments, service as chart_service
from app.config import Settings
from app.forms import Form, form
from app.lookups import get_lane, get_phase
from app.models import Card, Participant, Workshop
from app.live.change import board_change
from app.responses import CARD_SAVED, DIALOG_DONE, html, join_url, page
from app.security import member_csrf_token, member_token
from app.tags import service as tag_service
from app.templating import render_partial
from app.votes import service as votes
from app.workshops.service import format_code, members, was_removed


class NewCard(Form):
    phase_id: int
    lane_id: int
    text: str = ""
    client_id: str | None = None  # set by a phone that saves offline: a replay applies once
    confirm_personal_data: bool = False  # the author saw the personal-data warning and saves anyway


class CardEdit(Form):
    text: str = ""
    version: int | None = None  # the version the author edited: a newer one is a conflict
    phase_id: int | None = None  # both given: the card moves too
    lane_id: int | None = None
    confirm_personal_data: bool = False


class CardMove(Form):
    phase_id: int
    lane_id: int


class Named(Form):
    name: str = ""


class PhaseEdit(Form):
    name: str = ""
    trigger: str = ""
    completion: str = ""


class LaneEdit(Form):
    name: str = ""
    question: str = ""


class NewLane(Form):
    group: str = ""
    name: str = ""


class Step(Form):
    step: int = 1  # -1: one place back (left or up); 1: one place on


class BoardPage(Controller):
    path = "/w/{slug:str}"

    @get("/")
    async def show(self, request: Request, db_session: AsyncSession, settings: Settings, slug: str) -> Response:
        """The board for a member; for anyone else, why not and how to (re)join."""
        workshop, member = (found := await asker(request)).workshop, found.member
        if member is None:
            removed = await was_removed(db_session, workshop, member_token(request, slug))
            return page("removed.html" if removed else "not_member.html", status_code=403, workshop=workshop)
        board = await service.load_board(db_session, workshop, viewer=member)
        online = await presence.online(db_session, workshop.id, settings.presence_ttl)
        remaining = 0
        if board.voting:
            remaining = board.round.votes_per_person - await votes.used_votes(db_session, board.round.id, member.id)
        return page(
            "board.html", workshop=workshop, board=board, member=member, tags=board.tags, remaining=remaining,
            chart=await chart_service.load_chart(db_session, workshop),
            people=await members(db_session, workshop.id, online) if online else [],
            groups=tag_service.revisit_groups(board.tags, board.phases, board.lanes, board.all_cards()),
            heat_level=tag_service.heat_level, voting=board.voting, results=board.results(), seq=workshop.seq,
            join_link=join_url(request, workshop.join_token), join_code=format_code(workshop.join_code),
            member_csrf=member_csrf_token(request, member),
        )

    @get("/mine", guards=[requires_member])
    async def mine(self, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        """The asker's own unrevealed cards: fetched again after a whole-board update replaced them."""
        return html(await fragments.mine(db_session, workshop, member))


async def _mine(session: AsyncSession, workshop: Workshop, member: Participant, card: Card, *cells: tuple[int, int]) -> str:
    """For the author of a private card, their own view of the cells it touched (never broadcast)."""
    return await fragments.mine(session, workshop, member, *cells) if card.private else ""


def _revisit_if_tagged(workshop: Workshop, card: Card) -> list:
    """The revisit list shows tagged cards only: an untagged card's change leaves it as it is
    (re-rendering it loads the whole board, the dearest part of an edit)."""
    return [fragments.revisit(workshop)] if card.tags else []


class Cards(Controller):
    """Cards: any member writes them; what the room allows (a lock, a closed session) is the service's rule."""

    path = "/w/{slug:str}/cards"
    guards = [requires_member]

    @post("/", dependencies=form(NewCard))
    async def add(self, request: Request, db_session: AsyncSession, settings: Settings, workshop: Workshop,
                  member: Participant, form: NewCard) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card = await service.add_card(db_session, settings, workshop, member, form.phase_id, form.lane_id, form.text,
                                          client_id=form.client_id, confirm_personal_data=form.confirm_personal_data)
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id))
        mine = await _mine(db_session, workshop, member, card, (card.phase_id, card.lane_id))
        return html(change.render() + mine, trigger=CARD_SAVED)

    @post("/{card_id:int}", dependencies=form(CardEdit))
    async def edit(self, request: Request, db_session: AsyncSession, settings: Settings, workshop: Workshop,
                   member: Participant, card_id: int, form: CardEdit) -> Response:
        """Save a card's text, and move it when the form names another cell."""
        async with board_change(request, db_session, workshop) as change:
            card = await service.edit_card(db_session, settings, workshop, member, card_id, form.text,
                                           base_version=form.version, confirm_personal_data=form.confirm_personal_data)
            change.add(fragments.card(workshop, card.id), *_revisit_if_tagged(workshop, card))
            source = (card.phase_id, card.lane_id)
            if form.phase_id and form.lane_id:
                card, source = await service.move_card(db_session, workshop, member, card_id, form.phase_id, form.lane_id)
                if source != (card.phase_id, card.lane_id):
                    change.add(fragments.cell(workshop, *source), fragments.cell(workshop, card.phase_id, card.lane_id))
        mine = await _mine(db_session, workshop, member, card, source, (card.phase_id, card.lane_id))
        return html(change.render() + mine, trigger=CARD_SAVED)

    @post("/{card_id:int}/move", dependencies=form(CardMove))
    async def move(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                   card_id: int, form: CardMove) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card, source = await service.move_card(db_session, workshop, member, card_id, form.phase_id, form.lane_id)
            change.add(fragments.cell(workshop, *source), fragments.cell(workshop, card.phase_id, card.lane_id),
                       *_revisit_if_tagged(workshop, card))
        return html(change.render() + await _mine(db_session, workshop, member, card, source, (card.phase_id, card.lane_id)))

    @post("/{card_id:int}/delete")
    async def delete(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                     card_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card = await service.delete_card(db_session, workshop, member, card_id)
            # The whole cell, not a "delete" swap: applying it twice (answer + socket) stays quiet.
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id), *_revisit_if_tagged(workshop, card),
                       fragments.vote_panel(workshop), chart_fragments.counts(workshop))  # its links to chart steps are gone too
        return html(change.render() + await _mine(db_session, workshop, member, card, (card.phase_id, card.lane_id)),
                    trigger=CARD_SAVED)


class Structure(Controller):
    """Phases (columns) and lanes (rows): the facilitator shapes the board; every change redraws it whole."""

    path = "/w/{slug:str}"
    guards = [requires_facilitator]

    @get("/phases/{phase_id:int}/edit")
    async def phase_form(self, db_session: AsyncSession, workshop: Workshop, phase_id: int) -> Response:
        phase = await get_phase(db_session, workshop, phase_id)
        return html(render_partial("board/forms/phase.html", workshop=workshop, phase=phase))

    @get("/lanes/{lane_id:int}/edit")
    async def lane_form(self, db_session: AsyncSession, workshop: Workshop, lane_id: int) -> Response:
        lane = await get_lane(db_session, workshop, lane_id)
        return html(render_partial("board/forms/lane.html", workshop=workshop, lane=lane))

    @post("/phases", dependencies=form(Named))
    async def add_phase(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        form: Named) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.add_phase(db_session, workshop, member, form.name))

    @post("/phases/{phase_id:int}", dependencies=form(PhaseEdit))
    async def update_phase(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           phase_id: int, form: PhaseEdit) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.update_phase(db_session, workshop, member, phase_id, form.name, form.trigger, form.completion))

    @post("/phases/{phase_id:int}/move", dependencies=form(Step))
    async def move_phase(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                         phase_id: int, form: Step) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.move_phase(db_session, workshop, member, phase_id, form.step), dialog=False)

    @post("/phases/{phase_id:int}/delete")
    async def delete_phase(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           phase_id: int) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.delete_phase(db_session, workshop, member, phase_id))

    @post("/lanes", dependencies=form(NewLane))
    async def add_lane(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                       form: NewLane) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.add_lane(db_session, workshop, member, form.group, form.name))

    @post("/lanes/{lane_id:int}", dependencies=form(LaneEdit))
    async def update_lane(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          lane_id: int, form: LaneEdit) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.update_lane(db_session, workshop, member, lane_id, form.name, form.question))

    @post("/lanes/{lane_id:int}/move", dependencies=form(Step))
    async def move_lane(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        lane_id: int, form: Step) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.move_lane(db_session, workshop, member, lane_id, form.step), dialog=False)

    @post("/lanes/{lane_id:int}/split", dependencies=form(Named))
    async def split_lane(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                         lane_id: int, form: Named) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.split_lane(db_session, workshop, member, lane_id, form.name))

    @post("/lanes/{lane_id:int}/delete")
    async def delete_lane(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          lane_id: int) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.delete_lane(db_session, workshop, member, lane_id))


async def _redraw(request: Request, session: AsyncSession, workshop: Workshop, write: Callable[[], Awaitable[object]],
                  dialog: bool = True) -> Response:
    """Apply a change of the board's structure (`write`: the service call) and redraw the whole
    board; `dialog`: the change came from a dialog, which closes."""
    async with board_change(request, session, workshop) as change:
        await write()
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE if dialog else None)


ROUTES = [BoardPage, Cards, Structure]
