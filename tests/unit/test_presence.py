"""Presence across processes: rows per process, heartbeats, expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.live import presence
from app.i18n import use_locale
from app.models import Presence, utcnow
from app.workshops.service import create_workshop, join

TTL = 30.0


async def board_with_people(session, settings, *names):
    with use_locale("nl"):
        ws, fac = await create_workshop(session, settings, "Aanwezig", "nl", "Fenna")
        people = [await join(session, settings, ws, name, "") for name in names]
    await session.commit()
    return ws, fac, people


async def age(db, process: str, seconds: float) -> None:
    async with db.session() as s:
        await s.execute(update(Presence).where(Presence.process == process).values(seen_at=utcnow() - timedelta(seconds=seconds)))
        await s.commit()


async def test_everyone_on_every_process_counts_once(db, session, settings):
    ws, fac, (anna, bram) = await board_with_people(session, settings, "Anna", "Bram")
    await presence.arrive(db, "proc-a", (ws.id, fac.id))
    await presence.arrive(db, "proc-a", (ws.id, anna.id))
    await presence.arrive(db, "proc-b", (ws.id, anna.id))  # Anna's phone and laptop, on two processes
    await presence.arrive(db, "proc-b", (ws.id, bram.id))
    assert sorted(await presence.online(session, ws.id, TTL)) == sorted([fac.id, anna.id, bram.id])
    await presence.leave(db, "proc-a", ws.id, anna.id)
    assert anna.id in await presence.online(session, ws.id, TTL)  # still open on process b
    await presence.leave(db, "proc-b", ws.id, anna.id)
    assert sorted(await presence.online(session, ws.id, TTL)) == sorted([fac.id, bram.id])


async def test_heartbeats_keep_rows_alive_and_silent_processes_expire(db, session, settings):
    ws, fac, (anna, bram) = await board_with_people(session, settings, "Anna", "Bram")
    await presence.arrive(db, "alive", (ws.id, fac.id))
    await presence.arrive(db, "alive", (ws.id, anna.id))
    await presence.arrive(db, "dead", (ws.id, bram.id))
    await age(db, "alive", TTL + 5)
    await age(db, "dead", TTL + 5)
    # The living process refreshes what it really has open (not Anna: her delete failed, say).
    await presence.heartbeat(db, "alive", [(ws.id, fac.id)])
    assert await presence.online(session, ws.id, TTL) == [fac.id]
    # (On a shared PostgreSQL database other boards may have stale rows too.)
    assert ws.id in await presence.sweep(db, TTL)
    assert ws.id not in await presence.sweep(db, TTL)
    assert await presence.online(session, ws.id, TTL) == [fac.id]


async def test_a_stopping_process_clears_its_rows(db, session, settings):
    ws, fac, (anna,) = await board_with_people(session, settings, "Anna")
    await presence.arrive(db, "a", (ws.id, fac.id))
    await presence.arrive(db, "b", (ws.id, anna.id))
    assert await presence.clear(db, "b") == {ws.id}
    assert await presence.online(session, ws.id, TTL) == [fac.id]


async def test_sockets_opening_together_share_one_presence_write(db, session, settings, monkeypatch):
    """A room's phones (or a hundred moving here from a killed process) open their sockets at
    once: their rows are written together, not one transaction each in a row; a socket that
    closed before its row was written leaves none."""
    import asyncio

    from app.live.feed import LocalSocket
    from app.live.hub import Hub

    ws, fac, people = await board_with_people(session, settings, *(f"Deelnemer {i}" for i in range(8)))
    writes = []
    write = presence.arrive

    async def counting(db_, process, *pairs):
        writes.append(len(pairs))
        await write(db_, process, *pairs)

    monkeypatch.setattr(presence, "arrive", counting)
    hub = Hub(settings, db)
    sockets = [LocalSocket(ws.id, p.id, "nl") for p in [fac, *people]]
    gone = LocalSocket(ws.id, people[0].id, "nl")  # a second socket of one person changes nothing
    await asyncio.gather(*(hub.arrive(s) for s in sockets), hub.arrive(gone))
    assert sum(writes) == 9 and len(writes) <= 2, writes  # the first alone, then everyone who waited
    async with db.session() as s:
        assert sorted(await presence.online(s, ws.id, TTL)) == sorted(p.id for p in [fac, *people])

    # One whose socket closes while it waits for the write: no row for it.
    late = await board_with_people(session, settings, "Laat")
    newcomer = LocalSocket(late[0].id, late[2][0].id, "nl")
    async with hub._presence_lock:  # a write in progress
        arriving = asyncio.create_task(hub.arrive(newcomer))
        await asyncio.sleep(0)
        arriving.cancel()  # the socket's handler ends
        await asyncio.gather(arriving, return_exceptions=True)
    assert late[0].id not in hub.local
    await hub.arrive(LocalSocket(late[0].id, late[1].id, "nl"))  # the next arrival writes what waits
    async with db.session() as s:
        assert await presence.online(s, late[0].id, TTL) == [late[1].id]
