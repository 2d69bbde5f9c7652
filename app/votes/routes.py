"""Dot voting: the facilitator starts and ends a round; participants vote and unvote."""

from __future__ import annotations

from litestar import Request, Response, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import fragments
from app.realtime import board_change
from app.responses import html
from app.security import require_facilitator, require_member
from app.templating import environment, render_block
from app.votes import service


async def _my_votes(db_session: AsyncSession, workshop, round_id: int, votes_per_person: int, member_id: int) -> str:
    """The asker's own remaining votes: only in their answer, never broadcast."""
    used = await service.used_votes(db_session, round_id, member_id)
    return render_block(environment(), "board.html", "my_votes", oob=True, remaining=votes_per_person - used, voting=True,
                        seq=workshop.seq)


@post("/w/{slug:str}/votes/start")
async def start_round(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Form: votes (votes per person), blind (1: counts hidden until the round ends; the default)."""
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        # Blind unless the facilitator unticks it (the form sends blind=1 when ticked; a form
        # without the field at all, e.g. a script, gets the default: blind).
        blind = form.get("blind", "1") not in ("0", "")
        if "blind_field" in form and "blind" not in form:
            blind = False
        rnd = await service.start_round(db_session, workshop, member, form.get("votes"), blind=blind)
        n = rnd.votes_per_person
        change.add(fragments.whole_board(workshop))
        # At the start everyone has the same budget, so this part is the same for all.
        change.add(fragments.votes_left(workshop, n, True, workshop.seq))
    return html(change.render())


@post("/w/{slug:str}/votes/end")
async def end_round(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.end_round(db_session, workshop, member)
        change.add(fragments.whole_board(workshop))
        change.add(fragments.votes_left(workshop, 0, False, workshop.seq))
    return html(change.render())


@post("/w/{slug:str}/cards/{card_id:int}/vote")
async def vote(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card, rnd = await service.vote(db_session, workshop, member, card_id)
        change.add(fragments.card(workshop, card.id), fragments.vote_panel(workshop))
    return html(change.render() + await _my_votes(db_session, workshop, rnd.id, rnd.votes_per_person, member.id))


@post("/w/{slug:str}/cards/{card_id:int}/unvote")
async def unvote(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card, rnd = await service.unvote(db_session, workshop, member, card_id)
        change.add(fragments.card(workshop, card.id), fragments.vote_panel(workshop))
    return html(change.render() + await _my_votes(db_session, workshop, rnd.id, rnd.votes_per_person, member.id))


ROUTES = [start_round, end_round, vote, unvote]
