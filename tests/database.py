"""Reading the app's database from a test, on whichever backend the run uses: the SQLite file in a
sessions folder, or the PostgreSQL database in DATABASE_URL (the PostgreSQL run, tests/conftest.py).
Tests look here, not at a file path, so that the same assertion holds on both."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from tests import services

T = TypeVar("T")


def url(sessions_dir: Path) -> str:
    """The URL the app uses for this sessions folder under the run's environment."""
    return Settings(sessions_dir=sessions_dir, database_url=Settings.from_env().database_url).db_url


def read(sessions_dir: Path, work: Callable[[Connection], T]) -> T:
    """`work(connection)` on the database the app uses for this sessions folder."""
    return read_at(url(sessions_dir), work)


def read_at(db_url: str, work: Callable[[Connection], T]) -> T:
    """`work(connection)` on a connection of its own, closed afterwards; callable from sync and async
    tests alike (it runs on a loop in its own thread)."""

    async def go() -> T:
        engine = create_async_engine(db_url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return services.run_async(go())


def workshop_rows(conn: Connection, workshop_id: int) -> dict[str, list[tuple]]:
    """Every row that belongs to one workshop, table by table: every table with a `workshop_id`,
    and the link tables that hang off cards and voting rounds. The tables are the database's own
    (not the models'), so that a table the models forget is not overlooked."""
    schema = inspect(conn)
    params = {"w": workshop_id}

    def rows(sql: str) -> list[tuple]:
        return [tuple(row) for row in conn.execute(text(sql), params)]

    out = {"workshop": rows("SELECT * FROM workshop WHERE id = :w")}
    for table in schema.get_table_names():
        if table.startswith("alembic") or table == "workshop":
            continue
        if "workshop_id" in {column["name"] for column in schema.get_columns(table)}:
            out[table] = rows(f"SELECT * FROM {table} WHERE workshop_id = :w ORDER BY 1")
    out["card_tag"] = rows("SELECT * FROM card_tag WHERE card_id IN (SELECT id FROM card WHERE workshop_id = :w) ORDER BY 1, 2")
    out["vote"] = rows("SELECT * FROM vote WHERE round_id IN (SELECT id FROM vote_round WHERE workshop_id = :w) ORDER BY id")
    return out


def workshop_id(conn: Connection, slug: str) -> int | None:
    return conn.execute(text("SELECT id FROM workshop WHERE slug = :s"), {"s": slug}).scalar()
