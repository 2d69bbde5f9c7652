"""One change to a board, as a handler makes it: `board_change` validates and writes inside,
then notes the fragments in the event log, commits, loads them and rings the board's doorbell
(PostgreSQL: loads before the commit, under the board's row lock); the handler answers with the
same fragments (`BoardChange.render`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.facilitation.rules import ensure_open
from app.live import fragments as registry, kinds
from app.live.events import RECORDED, write_recorded
from app.live.fragments import Loader, Render, once_per_language, seq_marker

if TYPE_CHECKING:
    from litestar import Request

    from app.db import Database
    from app.live.hub import Hub
    from app.models import Workshop


class BoardChange:
    """Collects what a handler changed; loaded before the commit, rendered for the answer."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.loaders: list[Loader] = []
        self.renders: list[Render] = []

    def add(self, *loaders: Loader) -> None:
        self.loaders.extend(loaders)

    def render(self) -> str:
        return "".join(r() for r in self.renders) + seq_marker(self.workshop.seq, partial=True)


@contextlib.asynccontextmanager
async def board_change(
    request: Request, session: AsyncSession, workshop: Workshop, allow_closed: bool = False
) -> AsyncIterator[BoardChange]:
    """Validate and write inside; on exit: note the fragments, commit, load them, ring.

    On an exception nothing is committed and nothing is broadcast. A closed session
    takes no changes, except those that say `allow_closed` (reopening it).
    """
    if not allow_closed:
        ensure_open(workshop)  # early, as read: no wait for the lock to be refused
    hub: Hub = request.app.state.hub
    db: Database = request.app.state.db
    change = BoardChange(workshop)
    recorded: list = []
    # The board's turn, then (SQLite) the writer lock for the writes only: the loads that follow
    # the commit keep the board's turn, so another board's change waits for no one's loads.
    async with db.board_turn(workshop.id, release=session):
        async with db.writing(session):
            try:
                # The board's lock across processes: PostgreSQL holds this row lock until the
                # commit, so changes to one board take turns, and what is loaded below is
                # exactly the state numbered workshop.seq. (SQLite: the board's turn does this.)
                # The whole row: a lock, a close or private writing decided while this request
                # waited applies to it too.
                await session.refresh(workshop, with_for_update={"key_share": True})
                if not allow_closed:
                    ensure_open(workshop)
                session.info[RECORDED] = recorded
                before = workshop.seq
                yield change
                changed = workshop.seq != before
                if changed:
                    described = [list(registry.descriptor_of(load)) for load in change.loaders]
                    for event in recorded:
                        event.fragments = described
                    await write_recorded(session, recorded)
                if not db.loads_after_commit:
                    await _load(change, session, workshop, before, recorded if changed else None)
                await session.commit()
            except BaseException:
                kinds.forget(session, workshop)  # it may have applied what then did not commit
                await session.rollback()
                raise
            finally:
                session.info.pop(RECORDED, None)
        if db.loads_after_commit:
            try:
                await _load(change, session, workshop, before, recorded if changed else None)
            except BaseException:
                kinds.forget(session, workshop)
                if changed:
                    hub.ring(workshop.id, workshop.seq)  # committed: the feeds read it from the log
                raise
    if changed:
        hub.changed_here(workshop.id, before, workshop.seq, change.renders)


async def _load(change: BoardChange, session: AsyncSession, workshop: Workshop, before: int, recorded: list | None) -> None:
    """The change's fragments as the change left the board, rendered once per language: the
    answer and this process's sockets share the bytes. `recorded`: its events (None: no change),
    applied first to the board's read model, from which cells and cards are drawn."""
    if recorded is not None:
        kinds.advance(session, workshop, before, recorded)
    change.renders = [once_per_language(await load(session)) for load in change.loaders]
    if recorded is not None:
        change.renders.append(once_per_language(await kinds.announce(session, workshop, before, recorded)))
