"""Alembic environment: runs on a connection handed in by the app, or on its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.models import Base

target_metadata = Base.metadata
MIGRATION_LOCK = 0x7A6C_6D69  # any fixed number: the advisory lock held while migrating


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER via table copies
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several processes start at once (uvicorn --workers, AUTO_MIGRATE): one
            # migrates, the others wait here, then find the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def run_standalone() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or Settings.from_env().db_url
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(run_migrations)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    asyncio.run(run_standalone())
