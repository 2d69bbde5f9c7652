"""A card's history and restoring an earlier version (facilitator), undoing one's own last
change, and the polling fallback for networks that block websockets."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import requires_facilitator, requires_member
from app.board import fragments
from app.chart import fragments as chart_fragments
from app.forms import Form, form
from app.history import service
from app.models import Participant, Workshop
from app.live.change import board_change
from app.live.fragments import seq_marker
from app.responses import DIALOG_DONE, html
from app.templating import render_partial


class Version(Form):
    seq: int  # the event whose text to restore


class History(Controller):
    path = "/w/{slug:str}"
    guards = [requires_member]

    @get("/cards/{card_id:int}/history")
    async def card_history(self, db_session: AsyncSession, workshop: Workshop, member: Participant, card_id: int) -> Response:
        card, items = await service.card_history(db_session, workshop, member, card_id)
        return html(render_partial("board/forms/history.html", workshop=workshop, member=member, card=card, items=items))

    @post("/cards/{card_id:int}/restore-version", guards=[requires_facilitator], dependencies=form(Version))
    async def restore_version(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                              card_id: int, form: Version) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card = await service.restore_version(db_session, workshop, member, card_id, form.seq)
            change.add(fragments.card(workshop, card.id), fragments.revisit(workshop))
        return html(change.render(), trigger=DIALOG_DONE)

    @post("/undo")
    async def undo(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card, cells = await service.undo_last(db_session, workshop, member)
            change.add(*(fragments.cell(workshop, *cell) for cell in sorted(cells)), fragments.revisit(workshop),
                       chart_fragments.counts(workshop))
        mine = await fragments.mine(db_session, workshop, member, *sorted(cells)) if card.private else ""
        return html(change.render() + mine)

    @get("/changes")
    async def changes(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                      since: int = -1) -> Response:
        """For browsers whose network blocks websockets: poll with the last sequence number seen.
        204 when nothing changed; otherwise every live part, as a reconnecting socket gets it."""
        if since == workshop.seq:
            return Response(b"", status_code=204)
        # One moment: the parts and the number they are stamped with must agree.
        async with request.app.state.db.snapshot(workshop.id, release=db_session) as snap:
            now = await snap.get(Workshop, workshop.id)
            if now is None:
                return Response(b"", status_code=204)
            render = await fragments.everything(snap, now)
        return html(render() + seq_marker(now.seq) + await fragments.mine(db_session, workshop, member))


ROUTES = [History]
