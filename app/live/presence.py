"""Who has a board open, across app processes: rows in the `presence` table.

Each process writes a row when a participant's first socket in that process opens,
and deletes it when the last one closes. It refreshes its rows every few seconds;
rows not refreshed for `PRESENCE_TTL` seconds belong to a process that died (kill -9, a lost host)
and are swept away by whichever process notices first. So presence counts everyone,
whichever process their phone is connected to.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.models import Presence, utcnow



async def online(session: AsyncSession, workshop_id: int, ttl: float) -> list[int]:
    """Ids of the participants with the board open in any living process."""
    rows = await session.scalars(
        select(Presence.participant_id)
        .where(Presence.workshop_id == workshop_id, Presence.seen_at >= utcnow() - timedelta(seconds=ttl))
        .distinct()
    )
    return list(rows)


async def arrive(db: Database, process: str, *pairs: tuple[int, int]) -> None:
    """Rows for these (board, participant) pairs, in one transaction: phones arriving together share it."""
    if not pairs:
        return
    now = utcnow()
    async with db.writing(), db.session() as session:
        await session.execute(insert(Presence), [
            {"process": process, "workshop_id": w, "participant_id": p, "seen_at": now} for w, p in pairs
        ])
        await session.commit()


async def leave(db: Database, process: str, workshop_id: int, participant_id: int) -> None:
    async with db.writing(), db.session() as session:
        await session.execute(
            delete(Presence).where(
                Presence.process == process, Presence.workshop_id == workshop_id, Presence.participant_id == participant_id
            )
        )
        await session.commit()


async def heartbeat(db: Database, process: str, here: list[tuple[int, int]]) -> None:
    """Refresh this process's rows of the (board, participant) pairs it really has open."""
    async with db.writing(), db.session() as session:
        await session.execute(
            update(Presence)
            .where(Presence.process == process, tuple_(Presence.workshop_id, Presence.participant_id).in_(here))
            .values(seen_at=utcnow())
        )
        await session.commit()


async def sweep(db: Database, ttl: float) -> set[int]:
    """Remove the rows of dead processes; returns the boards whose presence changed."""
    async with db.writing(), db.session() as session:
        boards = await session.scalars(
            delete(Presence).where(Presence.seen_at < utcnow() - timedelta(seconds=ttl)).returning(Presence.workshop_id)
        )
        changed = set(boards)
        await session.commit()
    return changed


async def clear(db: Database, process: str | None = None) -> set[int]:
    """Remove one process's rows (at shutdown), or all (SQLite start-up: one process only)."""
    statement = delete(Presence)
    if process is not None:
        statement = statement.where(Presence.process == process)
    async with db.writing(), db.session() as session:
        boards = set(await session.scalars(statement.returning(Presence.workshop_id)))
        await session.commit()
    return boards
