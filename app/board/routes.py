"""The board page and every board change: cards (anyone), phases and lanes (facilitator).

Each change reads top to bottom: who is asking, validate and write (in the
service), commit, render, broadcast (`board_change`), answer with the same
fragments in the asker's language.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app import presence
from app.board import fragments, service
from app.tags import service as tag_service
from app.votes import service as votes
from app.chart import fragments as chart_fragments, service as chart_service
from app.realtime import board_change
from app.lookups import get_lane, get_phase
from app.responses import CARD_SAVED, DIALOG_DONE, html, join_url, page
from app.templating import render_partial
from app.security import current_member, member_csrf_token, removed_here, require_facilitator, require_member
from app.workshops.service import format_code, members



@get("/w/{slug:str}")
async def board_page(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await current_member(request, db_session, slug)
    if member is None:
        if await removed_here(request, db_session, workshop):
            return page("removed.html", status_code=403, workshop=workshop)
        return page("not_member.html", status_code=403, workshop=workshop)
    board = await service.load_board(db_session, workshop, viewer=member)
    chart = await chart_service.load_chart(db_session, workshop)
    online = await presence.online(db_session, workshop.id, request.app.state.settings.presence_ttl)
    people = await members(db_session, workshop.id, online) if online else []
    remaining = 0
    if board.voting:
        remaining = board.round.votes_per_person - await votes.used_votes(db_session, board.round.id, member.id)
    results = sorted(((board.votes[c.id], c) for c in board.all_cards() if board.votes.get(c.id)), key=lambda p: (-p[0], p[1].id))
    return page(
        "board.html", workshop=workshop, board=board, chart=chart, member=member, people=people, tags=board.tags,
        groups=tag_service.revisit_groups(board.tags, board.phases, board.lanes, board.all_cards()),
        heat_level=tag_service.heat_level, remaining=remaining, voting=board.voting, results=results, seq=workshop.seq,
        join_link=join_url(request, workshop.join_token), join_code=format_code(workshop.join_code),
        member_csrf=member_csrf_token(request, member),
    )


# -- cards ------------------------------------------------------------------------------------


@post("/w/{slug:str}/cards")
async def add_card(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card = await service.add_card(
            db_session, request.app.state.settings, workshop, member, form.get("phase_id"), form.get("lane_id"), form.get("text"),
            client_id=form.get("client_id"),
            confirm_personal_data=_confirmed(form),
        )
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id))
    return html(change.render() + await _mine(db_session, workshop, member, card, (card.phase_id, card.lane_id)), trigger=CARD_SAVED)


def _revisit_if_tagged(workshop, card) -> list:
    """The revisit list shows tagged cards only: an untagged card's change leaves it as it is
    (re-rendering it loads the whole board, the dearest part of an edit)."""
    return [fragments.revisit(workshop)] if card.tags else []


@get("/w/{slug:str}/mine")
async def my_private_cards(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """The asker's own unrevealed cards: fetched again after a whole-board update replaced them."""
    workshop, member = await require_member(request, db_session, slug)
    return html(await fragments.mine(db_session, workshop, member))


async def _mine(db_session: AsyncSession, workshop, member, card, *cells: tuple[int, int]) -> str:
    """For the author of a private card, their own view of the cells it touched (never broadcast)."""
    return await fragments.mine(db_session, workshop, member, *cells) if card.private else ""


@post("/w/{slug:str}/cards/{card_id:int}")
async def edit_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """Save a card's text, and move it when the form names another cell."""
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card = await service.edit_card(db_session, request.app.state.settings, workshop, member, card_id, form.get("text"),
                                       base_version=form.get("version"), confirm_personal_data=_confirmed(form))
        change.add(fragments.card(workshop, card.id), *_revisit_if_tagged(workshop, card))
        source = (card.phase_id, card.lane_id)
        if form.get("phase_id") and form.get("lane_id"):
            card, source = await service.move_card(db_session, workshop, member, card_id, form.get("phase_id"), form.get("lane_id"))
            if source != (card.phase_id, card.lane_id):
                change.add(fragments.cell(workshop, *source), fragments.cell(workshop, card.phase_id, card.lane_id))
    mine = await _mine(db_session, workshop, member, card, source, (card.phase_id, card.lane_id))
    return html(change.render() + mine, trigger=CARD_SAVED)


@post("/w/{slug:str}/cards/{card_id:int}/move")
async def move_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card, source = await service.move_card(db_session, workshop, member, card_id, form.get("phase_id"), form.get("lane_id"))
        change.add(fragments.cell(workshop, *source), fragments.cell(workshop, card.phase_id, card.lane_id),
                   *_revisit_if_tagged(workshop, card))
    return html(change.render() + await _mine(db_session, workshop, member, card, source, (card.phase_id, card.lane_id)))


@post("/w/{slug:str}/cards/{card_id:int}/delete")
async def delete_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card = await service.delete_card(db_session, workshop, member, card_id)
        # The whole cell, not a "delete" swap: applying it twice (answer + socket) stays quiet.
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id), *_revisit_if_tagged(workshop, card),
                   fragments.vote_panel(workshop), chart_fragments.counts(workshop))  # its links to chart steps are gone too
    return html(change.render() + await _mine(db_session, workshop, member, card, (card.phase_id, card.lane_id)), trigger=CARD_SAVED)


# -- phases (facilitator) ---------------------------------------------------------------------


@get("/w/{slug:str}/phases/{phase_id:int}/edit")
async def phase_form(request: Request, db_session: AsyncSession, slug: str, phase_id: int) -> Response:
    workshop, _member = await require_facilitator(request, db_session, slug)
    phase = await get_phase(db_session, workshop, phase_id)
    return html(render_partial("board/forms/phase.html", workshop=workshop, phase=phase))


@post("/w/{slug:str}/phases")
async def add_phase(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.add_phase(db_session, workshop, member, form.get("name"))
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/phases/{phase_id:int}")
async def update_phase(request: Request, db_session: AsyncSession, slug: str, phase_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.update_phase(db_session, workshop, member, phase_id, form.get("name"), form.get("trigger"), form.get("completion"))
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/phases/{phase_id:int}/move")
async def move_phase(request: Request, db_session: AsyncSession, slug: str, phase_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.move_phase(db_session, workshop, member, phase_id, _step(form.get("step")))
        change.add(fragments.whole_board(workshop))
    return html(change.render())


@post("/w/{slug:str}/phases/{phase_id:int}/delete")
async def delete_phase(request: Request, db_session: AsyncSession, slug: str, phase_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.delete_phase(db_session, workshop, member, phase_id)
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


# -- lanes (facilitator) ----------------------------------------------------------------------


@get("/w/{slug:str}/lanes/{lane_id:int}/edit")
async def lane_form(request: Request, db_session: AsyncSession, slug: str, lane_id: int) -> Response:
    workshop, _member = await require_facilitator(request, db_session, slug)
    lane = await get_lane(db_session, workshop, lane_id)
    return html(render_partial("board/forms/lane.html", workshop=workshop, lane=lane))


@post("/w/{slug:str}/lanes")
async def add_lane(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.add_lane(db_session, workshop, member, str(form.get("group") or ""), form.get("name"))
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/lanes/{lane_id:int}")
async def update_lane(request: Request, db_session: AsyncSession, slug: str, lane_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.update_lane(db_session, workshop, member, lane_id, form.get("name"), form.get("question"))
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/lanes/{lane_id:int}/move")
async def move_lane(request: Request, db_session: AsyncSession, slug: str, lane_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.move_lane(db_session, workshop, member, lane_id, _step(form.get("step")))
        change.add(fragments.whole_board(workshop))
    return html(change.render())


@post("/w/{slug:str}/lanes/{lane_id:int}/split")
async def split_lane(request: Request, db_session: AsyncSession, slug: str, lane_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.split_lane(db_session, workshop, member, lane_id, form.get("name"))
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/lanes/{lane_id:int}/delete")
async def delete_lane(request: Request, db_session: AsyncSession, slug: str, lane_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.delete_lane(db_session, workshop, member, lane_id)
        change.add(fragments.whole_board(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


def _confirmed(form) -> bool:
    """The author saw the personal-data warning and chose "save anyway"."""
    return form.get("confirm_personal_data") == "1"


def _step(value: object) -> int:
    return -1 if str(value).strip() == "-1" else 1


ROUTES = [
    board_page, add_card, my_private_cards, edit_card, move_card, delete_card,
    phase_form, add_phase, update_phase, move_phase, delete_phase,
    lane_form, add_lane, update_lane, move_lane, split_lane, delete_lane,
]
