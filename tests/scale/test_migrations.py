"""One set of Alembic migrations creates, downgrades and upgrades SQLite and PostgreSQL,
and leaves a schema that matches the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import alembic_config
from app.models import Base
from tests import services


def _schema(url: str) -> tuple[set[str], list]:
    """Tables, and differences between the migrated schema and the models (none expected)."""

    async def read():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: (set(inspect(c).get_table_names()), compare_metadata(MigrationContext.configure(c), Base.metadata))
                )
        finally:
            await engine.dispose()

    return services.run_async(read())


def _alembic(url: str, action: str, revision: str) -> None:
    # env.py runs its own event loop: keep it off this thread (Playwright may hold one here).
    services.run_async(_in_thread(getattr(command, action), alembic_config(url), revision))


async def _in_thread(fn, *args):
    import asyncio

    return await asyncio.to_thread(fn, *args)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_migrations_create_downgrade_and_upgrade(dialect, tmp_path):
    if dialect == "postgresql":
        services.need("postgres")
        plain = services.create_database()
        url = "postgresql+asyncpg://" + plain.split("://", 1)[1]
    else:
        plain, url = None, f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    try:
        _alembic(url, "upgrade", "head")
        tables, diff = _schema(url)
        assert {"workshop", "phase", "lane", "participant", "card", "event", "presence", "alembic_version"} <= tables
        assert diff == []
        _alembic(url, "downgrade", "base")
        assert _schema(url)[0] <= {"alembic_version"}
        _alembic(url, "upgrade", "head")
        assert _schema(url)[1] == []
    finally:
        if plain:
            services.drop_database(plain)
