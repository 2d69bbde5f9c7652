"""Engine, sessions, SQLite pragmas, the writer lock and migrations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Table, and_, delete, event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app import sqlite_driver
from app.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


class Database:
    """Holds the engine and session factory; lives on `app.state.db`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.is_sqlite:
            settings.sessions_dir.mkdir(parents=True, exist_ok=True)
        # SQLite: one trip to aiosqlite's thread per statement instead of four (app/sqlite_driver.py).
        driver = {"module": sqlite_driver.dbapi()} if settings.db_url.startswith("sqlite+aiosqlite") else {}
        self.engine: AsyncEngine = create_async_engine(settings.db_url, pool_pre_ping=not settings.is_sqlite, **driver)
        if settings.is_sqlite:
            _sqlite_pragmas(self.engine, settings.sqlite_synchronous)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one write lock for the whole file. Writers that queue here,
        # in order, instead of contending for it inside SQLite keep the latency
        # of every edit low (measured: p99 132 ms with contending writers, 20 ms one at a time). PostgreSQL locks rows.
        self._write_lock = asyncio.Lock() if settings.is_sqlite else None
        # SQLite: each board's turn (`board_turn`), so that the writer lock is held for the writes
        # only. [lock, users]: dropped when its last user leaves.
        self._turns: dict[int, list] = {}

    @property
    def loads_after_commit(self) -> bool:
        """Whether a change loads its fragments after its commit, in the board's turn (SQLite),
        rather than inside its transaction under the board's row lock (PostgreSQL)."""
        return self._write_lock is not None

    @contextlib.asynccontextmanager
    async def board_turn(self, workshop_id: int, release: AsyncSession | None = None) -> AsyncIterator[None]:
        """One board's changes and consistent reads take turns (SQLite; PostgreSQL orders a board's
        changes by its row lock). Other boards do not wait for this one: only for the short write
        transaction under the writer lock, which SQLite has one of. `release`: see `_hand_back`."""
        if self._write_lock is None:
            yield
            return
        await self._hand_back(release)
        turn = self._turns.get(workshop_id)
        if turn is None:
            turn = self._turns[workshop_id] = [asyncio.Lock(), 0]
        turn[1] += 1
        try:
            async with turn[0]:
                yield
        finally:
            turn[1] -= 1
            if not turn[1]:
                del self._turns[workshop_id]

    @contextlib.asynccontextmanager
    async def writing(self, session: AsyncSession | None = None) -> AsyncIterator[None]:
        """Hold the writer lock (SQLite); `session`: the request's session, which then waits without a connection."""
        if self._write_lock is None:
            yield
            return
        await self._hand_back(session)
        async with self._write_lock:
            yield

    @staticmethod
    async def _hand_back(session: AsyncSession | None) -> None:
        """Return the session's pooled connection before waiting for the writer lock.

        A request that read (who is asking, which workshop) holds a connection. Were twenty of
        them to wait for the lock holding theirs, the pool would be empty for the holder when it
        needs one (a feed's snapshot, presence): a deadlock until the pool's timeout. Only reads
        happened yet; ending that transaction keeps what they loaded (expire_on_commit=False).
        """
        if session is None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("writes before the writer lock")  # a bug: they must happen inside it
        await session.commit()

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @contextlib.asynccontextmanager
    async def snapshot(self, workshop_id: int, release: AsyncSession | None = None) -> AsyncIterator[AsyncSession]:
        """A session for reading whose every query sees one moment of this board.

        A fragment is stamped with the board's sequence number it shows; that is only
        true when the number and the fragment's rows are read at one moment. PostgreSQL:
        one REPEATABLE READ transaction. SQLite (one process): the board's turn, which every
        change to it holds until its fragments are loaded. `release`: a session of the caller's
        that waits without its connection (see `_hand_back`).
        """
        if self._write_lock is not None:
            async with self.board_turn(workshop_id, release), self.sessionmaker() as session:
                yield session
            return
        async with self.sessionmaker() as session:
            # Closing the session ends the transaction without expiring what was loaded
            # (a rollback would), so fragments render after it.
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    async def scrub(self) -> bool:
        """After a deletion (SQLite): copy the WAL into the database file and truncate it, so the
        deleted rows' old versions linger in no WAL frame. Call it holding the writer lock. A reader
        in the middle of a transaction makes the checkpoint wait; it is tried a few times. True when
        the WAL is empty."""
        if not self.settings.is_sqlite:
            return True
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            # Statements run on the event loop's thread (app/sqlite_driver.py): the checkpoint must not
            # wait for readers inside SQLite (they could only finish on this loop). It fails fast
            # instead, and the loop lets them finish before the next try.
            await conn.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                for attempt in range(10):
                    busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()[0]
                    if not busy:
                        return True
                    await asyncio.sleep(0.02 * (attempt + 1))
            finally:
                await conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        return False

    async def migrate(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_head)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def set_pair(session: AsyncSession, table: Table, present: bool, **row: int) -> bool:
    """Put `row` into an association table (`present`) or take it out: setting, not toggling, so a
    repeated request is harmless. True when the table changed."""
    where = and_(*(table.c[name] == value for name, value in row.items()))
    there = await session.scalar(select(table.c[next(iter(row))]).where(where).limit(1)) is not None
    if present == there:
        return False
    await session.execute(insert(table).values(**row) if present else delete(table).where(where))
    return True


_REQUEST_SESSION = "zl_db_session"


def request_session(connection: ASGIConnection) -> AsyncSession:
    """The request's one session, opened on first use: the guard that reads who is asking and the
    handler share it (one query for both). `close_request_sessions` closes it when the request ends."""
    state = connection.scope.setdefault("state", {})
    session = state.get(_REQUEST_SESSION)
    if session is None:
        session = state[_REQUEST_SESSION] = connection.app.state.db.session()
    return session


def close_request_sessions(app: ASGIApp) -> ASGIApp:
    """Middleware: the request's session (if one was opened) is closed when its answer is sent."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            session = scope.get("state", {}).pop(_REQUEST_SESSION, None)
            if session is not None:
                await session.close()

    return middleware


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _upgrade_head(sync_conn) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, "head")


def _sqlite_pragmas(engine: AsyncEngine, synchronous: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer, and commits append to one file.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        # Another process (a migration, a backup) may hold the lock briefly.
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Deleted rows are overwritten with zeros, not left in free pages: deleting a workshop must
        # leave nothing of it in the file (AVG). With `scrub` below, nothing in the WAL either.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()
