"""Retention: a workshop is deleted, with everything in it, RETENTION_DAYS after its last change.

The app runs `purge` at start-up and then every hour (`RetentionTask`); for a cron job:

    python -m app.retention          # uses the same environment variables as the app

Several processes purging at once is harmless: deleting a deleted workshop deletes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.export.jobs import remove_exports
from app.models import Workshop, utcnow
from app.workshops.service import delete_workshop

log = logging.getLogger("zichtlijn.retention")

CHECK_EVERY_SECONDS = 60 * 60


def cutoff(settings: Settings, now: datetime | None = None) -> datetime | None:
    """Workshops last changed before this moment are due; None when retention is off (0 days)."""
    if settings.retention_days <= 0:
        return None
    return (now or utcnow()) - timedelta(days=settings.retention_days)


async def erase(db: Database, settings: Settings, workshop_id: int, release: AsyncSession | None = None) -> None:
    """Delete a workshop with everything in it, wherever it is kept: its rows (one DELETE; ON DELETE
    CASCADE takes the rest), their old versions in SQLite's WAL (`Database.scrub`; `secure_delete`
    zeroes them in the file), and its exports. `release`: the caller's session, which waits without
    its connection (`Database.writing`)."""
    # The board's turn first (SQLite; on PostgreSQL the DELETE waits for the board's row lock): no
    # change of this board is half-way, its loads included, while the board goes.
    async with db.board_turn(workshop_id, release), db.writing(), db.session() as session:
        slug = await session.scalar(select(Workshop.slug).where(Workshop.id == workshop_id))
        await delete_workshop(session, workshop_id)
        await session.commit()
        if not await db.scrub():
            log.warning("deleted workshop %s: the WAL could not be truncated yet (a long reader)", workshop_id)
    if slug:
        remove_exports(settings, slug)


async def purge(db: Database, settings: Settings, now: datetime | None = None) -> list[int]:
    """Delete every workshop whose last change is older than the retention period; returns their ids."""
    moment = cutoff(settings, now)
    if moment is None:
        return []
    async with db.session() as session:
        due = list(await session.scalars(select(Workshop.id).where(Workshop.updated_at < moment)))
    deleted = []
    for workshop_id in due:
        # One workshop per transaction: a long purge never holds the writer lock for long.
        await erase(db, settings, workshop_id)
        deleted.append(workshop_id)
    if deleted:
        log.info("retention: deleted %d workshop(s) without changes for %d days", len(deleted), settings.retention_days)
    return deleted


class RetentionTask:
    """The app's own schedule: purge at start-up, then every `interval` seconds."""

    def __init__(self, db: Database, settings: Settings, on_deleted: Callable[[list[int]], Awaitable[None]],
                 interval: float = CHECK_EVERY_SECONDS) -> None:
        self.db = db
        self.settings = settings
        self.on_deleted = on_deleted
        self.interval = interval
        self._task: asyncio.Task | None = None

    async def run_once(self) -> list[int]:
        try:
            deleted = await purge(self.db, self.settings)
            if deleted:
                await self.on_deleted(deleted)
            return deleted
        except Exception:  # noqa: BLE001 - a failed purge is retried next time, never stops the app
            log.exception("retention purge failed")
            return []

    async def start(self) -> None:
        await self.run_once()
        if self.settings.retention_days > 0:
            self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.run_once()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _main() -> int:
    settings = Settings.from_env()
    db = Database(settings)
    try:
        if settings.auto_migrate:
            await db.migrate()
        deleted = await purge(db, settings)
    finally:
        await db.dispose()
    if settings.retention_days <= 0:
        print("RETENTION_DAYS is 0: nothing is deleted automatically.")
    else:
        print(f"Deleted {len(deleted)} workshop(s) without changes for {settings.retention_days} days.")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(asyncio.run(_main()))
