"""The PostgreSQL and Redis that this machine and CI provide, for tests.

PostgreSQL: 127.0.0.1:5432, trust auth, user root or postgres, database `test`
(override with ZL_TEST_PG=postgresql://user@host:port/db). Redis: 127.0.0.1:6379
(override with ZL_TEST_REDIS). Every test run gets its own fresh database
(`zl_test_<random>`, dropped at the end) and its own broker channel prefix, so runs
on one server never see each other's data or messages.

Without a service its tests are skipped with the reason; with CI=true they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_CANDIDATES = [os.environ["ZL_TEST_PG"]] if os.environ.get("ZL_TEST_PG") else [
    "postgresql://root@127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/test",
]
REDIS_URL = os.environ.get("ZL_TEST_REDIS", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def run_async(coro):
    """Run a coroutine to its end from sync code, in a thread of its own: Playwright's
    sync API may hold an event loop in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _pg_answers(url: str) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


@cache
def postgres_admin_url() -> str | None:
    """The first candidate URL that PostgreSQL accepts, or None."""
    for url in PG_CANDIDATES:
        if run_async(_pg_answers(url)):
            return url
    return None


@cache
def redis_up() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def missing(service: str) -> str:
    where = {"postgres": " or ".join(PG_CANDIDATES), "redis": REDIS_URL}[service]
    return f"{service} not reachable at {where}"


def need(service: str) -> None:
    """Skip the calling test (fail it on CI) when the service is not there."""
    ok = postgres_admin_url() is not None if service == "postgres" else redis_up()
    if ok:
        return
    if in_ci():
        pytest.fail(f"{missing(service)} (CI=true: services are required)")
    pytest.skip(missing(service))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database() -> str:
    """A fresh, empty database; returns its URL (postgresql://...)."""
    admin = postgres_admin_url()
    assert admin is not None
    name = f"zl_test_{secrets.token_hex(5)}"

    async def create() -> None:
        import asyncpg

        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    run_async(create())
    return _with_database(admin, name)


def drop_database(url: str) -> None:
    admin = postgres_admin_url()
    name = urlsplit(url).path.lstrip("/")
    if admin is None or not name.startswith("zl_test_"):
        return

    async def drop() -> None:
        import asyncpg

        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    run_async(drop())


def new_prefix() -> str:
    """Broker channel prefix of one test run."""
    return f"zlt{secrets.token_hex(4)}"
