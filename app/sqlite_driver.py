"""SQLAlchemy's aiosqlite driver, with statements run on the event loop's own thread.

aiosqlite runs SQLite in a thread; SQLAlchemy's adapter makes four trips to it for
each statement (open a cursor, execute, fetch all, close), each a hand-off between
threads. Measured here, one hand-off cost about 80 µs of CPU, while the statements of
an edit take 10 to 50 µs each inside SQLite: the hand-offs, not SQLite, held the loop
(docs/perf/). So this cursor runs the whole statement (execute, fetch all, close) in one
call on the loop's thread, and commits and rollbacks likewise. What runs inline is short:
small indexed queries; one writer at a time (`Database.writing`), so no statement waits
for SQLite's lock (busy_timeout only matters when another process, a backup or a
migration, holds it). Opening and closing connections stay aiosqlite's, and so do the
pool and the transactions: SQLAlchemy's.

No public hook runs a statement elsewhere, so this subclasses the adapter through its private
parts; pyproject.toml pins the exact SQLAlchemy and aiosqlite it was written against, and
tests/unit/test_sqlite_driver.py holds the behaviour (the thread, rows, errors) on any upgrade.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


def _statement(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[list, tuple]:
    """In the database thread: the whole statement, and what its cursor knew."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return rows, (cursor.description, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_meta",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No cursor is opened here: `_statement` opens and closes its own, in the same trip.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._meta: tuple = (None, -1, None)

    description = property(lambda self: self._meta[0])  # type: ignore[assignment]
    rowcount = property(lambda self: self._meta[1])  # type: ignore[assignment]
    lastrowid = property(lambda self: self._meta[2])  # type: ignore[assignment]
    arraysize = 1  # type: ignore[assignment]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        rows, self._meta = _statement(self._connection._conn, operation, parameters, many)
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    # In this thread too (the connection is opened with check_same_thread=False; only one
    # session uses a connection at a time, so calls never overlap).
    def commit(self) -> None:
        if self._connection._connection:
            try:
                self._connection._conn.commit()
            except Exception as error:
                self._handle_exception(error)

    def rollback(self) -> None:
        if self._connection._connection:
            try:
                self._connection._conn.rollback()
            except Exception as error:
                self._handle_exception(error)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False  # opened in aiosqlite's thread, used in the loop's
        return OneTripConnection(self, super().connect(*arg, **kw)._connection)


def dbapi() -> OneTripDBAPI:
    """For `create_async_engine(url, module=dbapi())` with an `sqlite+aiosqlite` URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)
