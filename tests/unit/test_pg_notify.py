"""The LISTEN/NOTIFY backend against a real PostgreSQL: delivery, unsubscribing, a lost connection."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from app.live.broker import NOTIFY_LIMIT, PgNotifyBackend
from tests import services


@pytest.fixture
async def backend():
    services.need("postgres")
    b = PgNotifyBackend(services.postgres_admin_url())
    await b.on_startup()
    yield b
    await b.on_shutdown()


async def next_event(stream, timeout: float = 5.0):
    return await asyncio.wait_for(anext(stream), timeout)


async def test_published_messages_reach_subscribed_channels_only(backend):
    one, two = services.new_prefix() + ".board.1", services.new_prefix() + ".board.2"
    await backend.subscribe([one])
    stream = backend.stream_events()
    await backend.publish(b'{"b": 1}', [two])  # not listened to
    await backend.publish(b'{"b": 1, "s": 7}', [one])
    assert await next_event(stream) == (one, b'{"b": 1, "s": 7}')

    await backend.unsubscribe([one])
    await backend.subscribe([two])
    await backend.publish(b"late", [one])
    await backend.publish(b"now", [two])
    assert await next_event(stream) == (two, b"now")


async def test_an_oversized_payload_is_refused_before_postgresql(backend):
    with pytest.raises(ValueError, match="NOTIFY payload"):
        await backend.publish(b"x" * NOTIFY_LIMIT, ["zl.board.1"])


async def test_a_lost_listen_connection_ends_the_stream_with_an_error(backend):
    channel = services.new_prefix() + ".board.3"
    await backend.subscribe([channel])
    stream = backend.stream_events()
    admin = await asyncpg.connect(services.postgres_admin_url())
    try:
        # Every other connection of this backend's role to the test database: the listener too.
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%' AND datname = current_database()"
        )
    finally:
        await admin.close()
    with pytest.raises(ConnectionError):
        await next_event(stream)
    # What GuardedBackend does next: start again and listen again; messages flow.
    await backend.on_shutdown()
    await backend.on_startup()
    await backend.subscribe([channel])
    stream = backend.stream_events()
    await backend.publish(b"back", [channel])
    assert await next_event(stream) == (channel, b"back")
