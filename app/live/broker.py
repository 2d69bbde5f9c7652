"""The broker between app processes: one of Litestar's channels backends, guarded.

`BROKER_URL` picks the backend: empty for in-memory (one process), `redis://` for
Redis pub/sub, `postgresql://` for PostgreSQL LISTEN/NOTIFY (`PgNotifyBackend`, ours). Only small doorbells
travel over it (see `app.live.hub`); what changed is read from the database.

`GuardedBackend` wraps the chosen backend so that a broker outage never stops the
app: publishing fails fast with an exception for the caller to log (Litestar #5008:
one exception inside the plugin's publish worker silently ends all later
broadcasts), and the event stream never ends: after an error it reconnects with
backoff, subscribes again to every channel, and says so (`on_reconnect`), so the
app can catch up on what it missed in the meantime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterable

import asyncpg
from litestar.channels import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend

from app.config import Settings

log = logging.getLogger("zichtlijn.broker")

TIMEOUT = 3.0  # seconds for one broker operation; the broker is on the local network
NOTIFY_LIMIT = 8000  # bytes: PostgreSQL refuses larger NOTIFY payloads
_LOST = object()


def make_backend(settings: Settings) -> ChannelsBackend:
    url = settings.broker_url
    if not url:
        return MemoryChannelsBackend()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        # Timeouts: an unreachable Redis must fail a publish in seconds, not minutes;
        # the health check pings an idle subscription so a dead connection is noticed.
        redis = Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=10, health_check_interval=15)
        return RedisChannelsPubSubBackend(redis=redis)
    if url.startswith("postgresql://"):
        return PgNotifyBackend(url)
    raise ValueError(f"BROKER_URL: use redis://... or postgresql://..., not {url.split('://')[0]}://")


class PgNotifyBackend(ChannelsBackend):
    """PostgreSQL LISTEN/NOTIFY on asyncpg, on Litestar's public `ChannelsBackend` interface.

    Ours rather than Litestar's `AsyncPgChannelsBackend`, which opens a connection per publish
    and waits forever on a lost LISTEN connection; changing that by subclassing meant reaching
    into its private attributes. Here: one listening and one publishing connection, and a lost
    LISTEN connection ends the event stream with an error, so that `GuardedBackend` reconnects."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._listener: asyncpg.Connection | None = None
        self._publisher: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # LISTEN/UNLISTEN and (re)connecting take turns
        self._publish_lock = asyncio.Lock()
        self._queue: asyncio.Queue | None = None
        self._channels: set[str] = set()

    async def on_startup(self) -> None:
        async with self._lock:
            self._queue = asyncio.Queue()
            self._channels.clear()
            self._listener = await asyncpg.connect(self._dsn, timeout=TIMEOUT)
            self._listener.add_termination_listener(self._lost)

    async def on_shutdown(self) -> None:
        async with self._lock:
            conn, self._listener = self._listener, None
            self._channels.clear()
            if conn is not None:
                conn.remove_termination_listener(self._lost)
                with contextlib.suppress(Exception):
                    await conn.close(timeout=TIMEOUT)
        await self._close_publisher()

    def _lost(self, _connection: asyncpg.Connection) -> None:
        if self._queue is not None:
            self._queue.put_nowait((_LOST, b""))

    def _notified(self, _connection: asyncpg.Connection, _pid: int, channel: str, payload: str) -> None:
        if self._queue is not None:
            self._queue.put_nowait((channel, payload.encode()))

    async def _close_publisher(self) -> None:
        conn, self._publisher = self._publisher, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=TIMEOUT)

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        if len(data) >= NOTIFY_LIMIT:
            raise ValueError(f"NOTIFY payload of {len(data)} bytes; PostgreSQL takes less than {NOTIFY_LIMIT}")
        async with self._publish_lock:
            if self._publisher is None or self._publisher.is_closed():
                self._publisher = await asyncpg.connect(self._dsn, timeout=TIMEOUT)
            try:
                for channel in channels:
                    await self._publisher.execute("SELECT pg_notify($1, $2)", channel, data.decode())
            except BaseException:
                await self._close_publisher()
                raise

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            if self._listener is None:
                raise ConnectionError("not connected to PostgreSQL")
            for channel in set(channels) - self._channels:
                await self._listener.add_listener(channel, self._notified)  # LISTEN, name quoted
                self._channels.add(channel)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            if self._listener is None:
                return
            for channel in set(channels) & self._channels:
                self._channels.discard(channel)
                await self._listener.remove_listener(channel, self._notified)

    async def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        queue = self._queue
        if queue is None:
            raise RuntimeError("on_startup first")
        while True:
            channel, message = await queue.get()
            if channel is _LOST:
                raise ConnectionError("the LISTEN connection to PostgreSQL was lost")
            # An UNLISTEN may be in transit: deliver only what we still listen to.
            if channel in self._channels:
                yield channel, message

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        return []  # history is the event log in the database


class GuardedBackend(ChannelsBackend):
    """Any channels backend, kept alive through broker outages (see the module's note)."""

    def __init__(self, inner: ChannelsBackend) -> None:
        self.inner = inner
        self.channels: set[str] = set()  # what we want to hear, also after a reconnect
        self.connected = False
        self.on_reconnect: Callable[[], None] | None = None
        self._events: asyncio.Queue | None = None

    @property
    def is_memory(self) -> bool:
        return isinstance(self.inner, MemoryChannelsBackend)

    async def on_startup(self) -> None:
        self._events = asyncio.Queue()
        try:
            await asyncio.wait_for(self.inner.on_startup(), TIMEOUT)
            self.connected = True
        except Exception as exc:  # noqa: BLE001 - the app starts anyway; the stream reconnects
            log.warning("broker unreachable at start-up (%s); retrying in the background", exc)

    async def on_shutdown(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.inner.on_shutdown(), TIMEOUT)
        self.connected = False

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        # Raises on failure: the caller logs it and goes on (never inside Litestar's worker).
        await asyncio.wait_for(self.inner.publish(data, channels), TIMEOUT)

    async def subscribe(self, channels: Iterable[str]) -> None:
        wanted = set(channels)
        self.channels |= wanted
        if not self.connected:
            return  # the reconnect subscribes to everything in self.channels
        try:
            await asyncio.wait_for(self.inner.subscribe(wanted), TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            log.warning("broker subscribe failed (%s); reconnecting", exc)
            self._broken()

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        unwanted = set(channels)
        self.channels -= unwanted
        if not self.connected:
            return
        try:
            await asyncio.wait_for(self.inner.unsubscribe(unwanted), TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            log.warning("broker unsubscribe failed (%s); reconnecting", exc)
            self._broken()

    def _broken(self) -> None:
        if self._events is not None:
            self._events.put_nowait(_LOST)

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        return []  # history is the event log in the database, not the broker's

    async def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        assert self._events is not None, "on_startup first"
        delay = 0.25
        while True:
            if not self.connected:
                try:
                    await self._reconnect()
                except Exception as exc:  # noqa: BLE001
                    log.debug("broker still unreachable: %s", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                delay = 0.25
                log.warning("broker connection restored")
                if self.on_reconnect is not None:
                    self.on_reconnect()
            pump = asyncio.create_task(self._pump())
            try:
                while (item := await self._events.get()) is not _LOST:
                    yield item
            finally:
                pump.cancel()
                with contextlib.suppress(BaseException):
                    await pump
            self.connected = False

    async def _pump(self) -> None:
        """Moves the inner stream into our queue; an error there becomes a reconnect here."""
        assert self._events is not None
        try:
            async for item in self.inner.stream_events():
                self._events.put_nowait(item)
            log.warning("broker stream ended; reconnecting")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            log.warning("broker connection lost (%s); reconnecting", exc)
        self._events.put_nowait(_LOST)

    async def _reconnect(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.inner.on_shutdown(), TIMEOUT)
        await asyncio.wait_for(self.inner.on_startup(), TIMEOUT)
        if self.channels:
            await asyncio.wait_for(self.inner.subscribe(set(self.channels)), TIMEOUT)
        # Stale "broken" marks from before this reconnect no longer apply.
        assert self._events is not None
        kept = [item for item in _drain(self._events) if item is not _LOST]
        for item in kept:
            self._events.put_nowait(item)
        self.connected = True


def _drain(queue: asyncio.Queue) -> list:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
