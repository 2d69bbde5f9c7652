"""What app/sqlite_driver.py relies on: SQLAlchemy's aiosqlite adapter, subclassed through its
private parts (`_connection._conn`, `_handle_exception`, `_cursor_cls`, ...). pyproject.toml pins
the exact SQLAlchemy and aiosqlite versions it was written against; these tests hold the
behaviour, so an upgrade that breaks it fails here, not in production."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from app import sqlite_driver


@pytest.fixture
async def engine(tmp_path):
    eng = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}", module=sqlite_driver.dbapi())
    async with eng.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield eng
    await eng.dispose()


async def test_statements_run_on_the_loops_thread(engine):
    seen: list[str] = []
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        sqlite = raw.driver_connection._conn  # the sqlite3 connection aiosqlite opened
        sqlite.create_function("whose_thread", 0, lambda: seen.append(threading.current_thread().name) or 1)
        assert (await conn.execute(text("SELECT whose_thread()"))).scalar() == 1
    assert seen == [threading.current_thread().name]


async def test_rows_rowcount_lastrowid_commit_and_rollback(engine):
    async with engine.begin() as conn:
        result = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert result.lastrowid == 1
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])  # executemany
        updated = await conn.execute(text("UPDATE t SET v = v || '!' WHERE v IN ('b', 'c')"))
        assert updated.rowcount == 2
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('gone')"))
        await conn.rollback()
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["a", "b!", "c!"]
    async with engine.connect() as conn:
        returned = await conn.execute(text("UPDATE t SET v = 'z' WHERE id = 1 RETURNING id, v"))
        assert returned.all() == [(1, "z")]
        await conn.commit()


async def test_sqlite_errors_become_sqlalchemy_errors(engine):
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
        await conn.rollback()
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT * FROM no_such_table"))
