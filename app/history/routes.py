"""History of a card, restoring an earlier version (facilitator), undo of one's own last change,
and the polling fallback for networks that block websockets."""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import fragments
from app.chart import fragments as chart_fragments
from app.history import service
from app.models import Workshop
from app.realtime import board_change, seq_marker
from app.responses import html
from app.security import require_facilitator, require_member
from app.templating import render_partial


@get("/w/{slug:str}/cards/{card_id:int}/history")
async def card_history(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    card, items = await service.card_history(db_session, workshop, member, card_id)
    return html(render_partial("board/forms/history.html", workshop=workshop, member=member, card=card, items=items))


@post("/w/{slug:str}/cards/{card_id:int}/restore-version")
async def restore_version(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """Form: seq (the event whose text to restore)."""
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card = await service.restore_version(db_session, workshop, member, card_id, form.get("seq"))
        change.add(fragments.card(workshop, card.id), fragments.revisit(workshop))
    return html(change.render(), trigger="zl:dialog-done")


@post("/w/{slug:str}/undo")
async def undo(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card, cells = await service.undo_last(db_session, workshop, member)
        change.add(*(fragments.cell(workshop, *cell) for cell in sorted(cells)), fragments.revisit(workshop),
                   chart_fragments.counts(workshop))
    mine = await fragments.mine(db_session, workshop, member, *sorted(cells)) if card.private else ""
    return html(change.render() + mine)


@get("/w/{slug:str}/changes")
async def changes(request: Request, db_session: AsyncSession, slug: str, since: int = -1) -> Response:
    """For browsers whose network blocks websockets: poll with the last sequence number seen.
    204 when nothing changed; otherwise every live part, as a reconnecting socket gets it."""
    workshop, member = await require_member(request, db_session, slug)
    if since == workshop.seq:
        return Response(b"", status_code=204)
    # One moment: the parts and the number they are stamped with must agree.
    async with request.app.state.db.snapshot(release=db_session) as snap:
        now = await snap.get(Workshop, workshop.id)
        if now is None:
            return Response(b"", status_code=204)
        render = await fragments.everything(snap, now)
    return html(render() + seq_marker(now.seq) + await fragments.mine(db_session, workshop, member))


ROUTES = [card_history, restore_version, undo, changes]
