"""Retention: workshops go, with every row that belongs to them, RETENTION_DAYS after their last
change: by the app at start-up and on its schedule, and by `python -m app.retention` for cron."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.board import service as board
from app.config import Settings
from app.db import Database
from app.facilitation import service as facilitation
from app.models import Workshop, utcnow
from app.retention import RetentionTask, purge
from app.tags import service as tags
from app.votes import service as votes
from app.workshops.service import create_workshop, join
from tests import database, services
from tests.support import ROOT, LiveServer, Person


@pytest.fixture
def settings(tmp_path):
    """A data folder and, on the PostgreSQL run, a database of its own: these tests delete by age,
    which in the run's shared database would reach other tests' workshops."""
    own = services.create_database() if Settings.from_env().database_url else ""
    yield Settings.from_env({"SESSIONS_DIR": str(tmp_path / "sessions"), "EXPORTS_DIR": str(tmp_path / "exports"),
                             "DATABASE_URL": own})
    if own:
        services.drop_database(own)


@pytest.fixture
async def db(settings):
    database = Database(settings)
    await database.migrate()
    yield database
    await database.dispose()


async def full_workshop(db: Database, settings: Settings, title: str) -> int:
    """A workshop with one of everything: people, a link, cards, a tag on a card, a vote, events."""
    async with db.session() as session:
        ws, fac = await create_workshop(session, settings, title, "nl", "Fenna")
        anna = await join(session, settings, ws, "Anna", "")
        view = await board.load_board(session, ws)
        card = await board.add_card(session, settings, ws, anna, view.phases[0].id, view.lanes[0].id, f"kaart {title}")
        await tags.set_card_tag(session, ws, anna, card.id, view.tags[0].id, True)
        await votes.start_round(session, ws, fac, "3")
        await votes.vote(session, ws, anna, card.id)
        await facilitation.create_link(session, ws, fac, "co")
        await session.commit()
        return ws.id


async def age(db: Database, workshop_id: int, days: float) -> None:
    """Pretend the last change was `days` ago."""
    async with db.session() as session:
        await session.execute(update(Workshop).where(Workshop.id == workshop_id).values(updated_at=utcnow() - timedelta(days=days)))
        await session.commit()


def rows_per_table(settings: Settings, workshop_id: int) -> dict[str, int]:
    """How many rows of each table belong to the workshop (directly or through a card or round)."""
    rows = database.read_at(settings.db_url, lambda conn: database.workshop_rows(conn, workshop_id))
    return {table: len(found) for table, found in rows.items()}


async def test_purge_deletes_workshops_past_retention_with_everything_in_them(db, settings):
    old = await full_workshop(db, settings, "oud")
    recent = await full_workshop(db, settings, "recent")
    before = rows_per_table(settings, old)
    assert all(before[t] > 0 for t in ("workshop", "phase", "lane", "participant", "card", "tag", "card_tag",
                                       "vote_round", "vote", "event", "facilitator_link"))
    await age(db, old, 91)
    await age(db, recent, 89)
    assert await purge(db, settings) == [old]
    assert set(rows_per_table(settings, old).values()) == {0}
    assert rows_per_table(settings, recent)["card"] == 1
    assert await purge(db, settings) == []  # nothing left to do; running it again is harmless


async def test_every_change_and_every_join_counts_as_activity(db, settings):
    wid = await full_workshop(db, settings, "actief")
    await age(db, wid, 200)
    async with db.session() as session:
        ws = await session.get(Workshop, wid)
        await join(session, settings, ws, "Laatkomer", "")
        await session.commit()
    assert await purge(db, settings) == []
    await age(db, wid, 200)
    async with db.session() as session:
        ws = await session.get(Workshop, wid)
        await facilitation.set_locked(session, ws, None, "1")
        await session.commit()
    assert await purge(db, settings) == []


async def test_retention_zero_deletes_nothing(db, settings):
    wid = await full_workshop(db, settings, "voor altijd")
    await age(db, wid, 10_000)
    assert await purge(db, replace(settings, retention_days=0)) == []
    assert await purge(db, replace(settings, retention_days=20_000)) == []
    assert await purge(db, replace(settings, retention_days=30)) == [wid]


async def test_the_app_task_purges_at_start_and_then_on_its_schedule(db, settings):
    first = await full_workshop(db, settings, "eerste")
    await age(db, first, 100)
    told: list[list[int]] = []

    async def on_deleted(ids):
        told.append(ids)

    task = RetentionTask(db, settings, on_deleted, interval=0.05)
    await task.start()
    try:
        assert told == [[first]]  # at start-up, before the app serves anything
        second = await full_workshop(db, settings, "tweede")
        await age(db, second, 100)
        for _ in range(400):  # the schedule runs every 0.05 s; wait for it, however slow the machine
            if told[-1] == [second]:
                break
            await asyncio.sleep(0.05)
        assert told[-1] == [second]
    finally:
        await task.stop()


def run_cli(settings: Settings, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.retention"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "SESSIONS_DIR": str(settings.sessions_dir), "EXPORTS_DIR": str(settings.exports_dir),
             "DATABASE_URL": settings.database_url, **env},
    )


async def test_the_cron_command_deletes_what_is_due(db, settings):
    old = await full_workshop(db, settings, "oud")
    recent = await full_workshop(db, settings, "recent")
    await age(db, old, 95)
    await db.dispose()
    done = run_cli(settings)
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 workshop(s) without changes for 90 days." in done.stdout
    assert set(rows_per_table(settings, old).values()) == {0}
    assert rows_per_table(settings, recent)["workshop"] == 1
    off = run_cli(settings, RETENTION_DAYS="0")
    assert off.returncode == 0 and "nothing is deleted automatically" in off.stdout


async def test_a_server_starting_on_old_data_purges_it(tmp_path, settings):
    database = Database(settings)
    await database.migrate()
    old = await full_workshop(database, settings, "oud")
    recent = await full_workshop(database, settings, "recent")
    await age(database, old, 365)
    async with database.session() as session:
        recent_slug = (await session.get(Workshop, recent)).slug
    await database.dispose()
    server = LiveServer(tmp_path, env={"DATABASE_URL": settings.database_url}).start()
    try:
        assert rows_per_table(settings, old)["workshop"] == 0
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        assert Person(server.url).get(f"/w/{recent_slug}").status_code == 403  # still there, for members only
    finally:
        server.stop()


async def test_purge_leaves_nothing_of_the_workshop_on_disk(db, settings):
    """Issue 16, point 4, for retention: no exports, and no text in the SQLite file or its WAL."""
    wid = await full_workshop(db, settings, "Verloopdatum")
    async with db.session() as session:
        slug = (await session.get(Workshop, wid)).slug
    folder = settings.exports_dir / slug
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef.pdf").write_bytes(b"%PDF kaart Verloopdatum")
    await age(db, wid, 91)
    assert await purge(db, settings) == [wid]
    assert not folder.exists()
    for path in settings.sessions_dir.rglob("*"):
        assert b"Verloopdatum" not in path.read_bytes(), path.name
