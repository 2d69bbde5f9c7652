"""Live updates: board changes, the per-process board feeds, presence and the board socket.

Mutations arrive as htmx HTTP requests. `board_change` writes, notes in the event
log which fragments the change re-rendered, commits, answers the asker, and rings
the board's doorbell: a tiny message (`{"b": board, "s": seq}`) on the broker.

Every app process keeps one `BoardFeed` per board that has sockets open in that
process. On a doorbell (its own, another process's, or its periodic check) the
feed reads, at one moment, the board's sequence number S and the fragments of the
events it has not rendered yet, renders each once per language in use, and queues
the HTML to its sockets. So a late, duplicated or lost doorbell costs time, never
an edit, and NOTIFY payloads stay tiny. See docs/architecture.md.

Besides the doorbell, the broker carries two small orders naming ids only: close a
removed participant's sockets (`k`) and close every socket of a deleted workshop (`d`).
Who has which card open in the editor (`editing`) is kept per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import WebSocketDisconnect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n, presence
from app.broker import GuardedBackend, make_backend
from app.events import RECORDED

if TYPE_CHECKING:
    from litestar import Request

    from app.config import Settings
    from app.db import Database
    from app.models import Workshop

log = logging.getLogger("zichtlijn.realtime")

# Renders HTML in the current locale; built by a loader that read what it needs.
Render = Callable[[], str]
Loader = Callable[[AsyncSession], Awaitable[Render]]

MAX_CLIENT_FRAME = 4096  # bytes; clients only ever send a short hello
# Broadcasts a socket may have waiting before it counts as stalled (a phone that stopped
# reading): beyond that it is closed (1013), reconnects and catches up by sequence number.
# A healthy client is never more than a burst behind (40 at once).
MAX_BACKLOG = SOCKET_BACKLOG = 100
# Close codes: 4401/4403 are final for the ws extension; it reconnects on 1006,
# 1011, 1012 and 1013 ("try again later").
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_TOO_BIG = 1009
CLOSE_TOO_MANY = 1008  # policy violation: more messages than a client ever needs; no reconnect
CLOSE_TRY_AGAIN = 1013


def seq_marker(seq: int, partial: bool = False) -> str:
    """Where the client is: it says this number when it reconnects, and gets whatever is newer.

    `partial`: the marker of one change's answer. It says which number that change got,
    but not that everything before it reached this browser, so the browser keeps it out
    of its catch-up position."""
    extra = ' data-partial="true"' if partial else ""
    return f'<div id="board-seq" data-seq="{int(seq)}"{extra} hidden hx-swap-oob="true"></div>'


@dataclass(eq=False)
class LocalSocket:
    """One open board socket in this process: who, which language, what waits to be sent."""

    workshop_id: int
    member_id: int
    lang: str
    # HTML to send; an int: close with that code; None: close, fell behind (1013).
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(MAX_BACKLOG))
    closing: bool = False
    # Set when the queue overflowed: the sender may be stuck behind a full send buffer, so the
    # handler gives up on this socket instead of waiting for it.
    stalled: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, html: str) -> None:
        if self.closing:
            return
        try:
            self.queue.put_nowait(html)
        except asyncio.QueueFull:
            # Too far behind (a stalled phone): drop the backlog, close, let it reconnect
            # and catch up with the whole board instead.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            self.stalled.set()

    def close(self, code: int, last: str = "") -> None:
        """Send `last` (if any) and close with `code`; what still waited is dropped."""
        if self.closing:
            return
        self.closing = True
        while not self.queue.empty():
            self.queue.get_nowait()
        if last:
            self.queue.put_nowait(last)
        self.queue.put_nowait(code)


@dataclass(eq=False)
class BoardFeed:
    """One board's sockets in this process, and how far they have been brought."""

    workshop_id: int
    sockets: set[LocalSocket] = field(default_factory=set)
    rendered: int | None = None  # every change up to this number has been queued to the sockets
    presence_stale: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Renders and catch-ups take turns, so a socket's messages leave in the order they were read.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    starting: asyncio.Task | None = None
    tasks: list[asyncio.Task] = field(default_factory=list)
    subscriber: object | None = None
    # Changes made in this process, already loaded for their answer: (seq before, seq after,
    # renders). The feed sends these as they are instead of loading them again from the log.
    made_here: list[tuple[int, int, list[Render]]] = field(default_factory=list)

    # The highest number a doorbell named; `must_read`: rung without a number (a check, a deletion).
    heard: int = 0
    must_read: bool = False

    def ring(self, seq: int | None = None, presence_changed: bool = False) -> None:
        if presence_changed:
            self.presence_stale = True
        elif seq is None:
            self.must_read = True
        elif self.rendered is not None and seq <= self.rendered:
            return  # already rendered (our own doorbell coming back, or a duplicate)
        else:
            self.heard = max(self.heard, seq)
        self.wake.set()

    def up_to_date(self) -> bool:
        return not (self.presence_stale or self.must_read) and self.rendered is not None and self.heard <= self.rendered


def _per_language(feed: BoardFeed, render: Render, said: Render | None = None) -> None:
    """Render once per language in use (never per socket) and queue it to that language's sockets.

    `said`: the announcement of what someone did (`fragments.announce`, carrying `.actor`). It goes
    to everyone's sockets but the actor's own, so that no frame needs to say who the actor is."""
    actor = getattr(said, "actor", None)
    for lang in {s.lang for s in feed.sockets}:
        with i18n.use_locale(lang):
            html = render()
            announcement = said() if said is not None else ""
        for sock in feed.sockets:
            if sock.lang == lang and (out := html if sock.member_id == actor else html + announcement):
                sock.put(out)


class Hub:
    """Per-process state of the live layer; lives on `app.state.hub`."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.backend = GuardedBackend(make_backend(settings))
        self.backend.on_reconnect = self._broker_back
        self.channels = ChannelsPlugin(backend=self.backend, arbitrary_channels_allowed=True)
        self.process = secrets.token_hex(6)  # this process's name in the presence table
        self.feeds: dict[int, BoardFeed] = {}
        # workshop id -> participant id -> open sockets in this process
        self.local: defaultdict[int, Counter[int]] = defaultdict(Counter)
        # workshop id -> participant id -> the card they have open in the editor (this process's sockets)
        self.editing: defaultdict[int, dict[int, int]] = defaultdict(dict)
        self._presence_lock = asyncio.Lock()
        self._outbox: asyncio.Queue[dict] | None = None
        self._pings: dict[str, asyncio.Future] = {}
        self._tasks: list[asyncio.Task] = []
        self._broker_failing = False

    # -- channel names: a prefix per installation, so a shared broker never mixes them ---------

    def channel(self, workshop_id: int) -> str:
        return f"{self.settings.broker_prefix}.board.{workshop_id}"

    @property
    def control_channel(self) -> str:
        return f"{self.settings.broker_prefix}.ping.{self.process}"

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        await self.channels.__aenter__()
        self._outbox = asyncio.Queue(1000)
        if self.db.settings.is_sqlite:
            # SQLite means one process: presence rows of an earlier run are all stale.
            await presence.clear(self.db)
            if not self.backend.is_memory:
                log.warning("BROKER_URL is set but the database is SQLite: several processes need PostgreSQL")
        control = await self.channels.subscribe([self.control_channel])
        self._tasks = [
            asyncio.create_task(self._listen_control(control)),
            asyncio.create_task(self._publisher()),
            asyncio.create_task(self._upkeep()),
        ]

    async def stop(self) -> None:
        tasks = [*self._tasks, *(t for feed in self.feeds.values() for t in feed.tasks)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            for workshop_id in await presence.clear(self.db, self.process):
                await self._publish({"b": workshop_id, "p": 1, "o": self.process})
        await self.channels.__aexit__(None, None, None)

    # -- doorbells --------------------------------------------------------------------------

    def ring(self, workshop_id: int, seq: int | None = None, presence_changed: bool = False) -> None:
        """Wake this process's feed of the board at once, and the other processes via the broker."""
        feed = self.feeds.get(workshop_id)
        if feed is not None:
            feed.ring(seq, presence_changed)
        message = {"b": workshop_id, "o": self.process}
        if seq is not None:
            message["s"] = seq
        if presence_changed:
            message["p"] = 1
        if self._outbox is not None:
            try:
                self._outbox.put_nowait(message)
            except asyncio.QueueFull:
                pass  # the broker is far behind; the other processes' upkeep finds the change

    async def _publisher(self) -> None:
        assert self._outbox is not None
        while True:
            message = await self._outbox.get()
            await self._publish(message)

    async def _publish(self, message: dict) -> None:
        """Publish, and never raise (Litestar #5008): a failure is logged once per outage."""
        try:
            await self.channels.wait_published(json.dumps(message).encode(), [self.channel(message["b"])])
        except Exception as exc:  # noqa: BLE001
            if not self._broker_failing:
                log.warning("broker publish failed (%s); edits are saved, other processes catch up", exc)
            self._broker_failing = True
        else:
            if self._broker_failing:
                log.warning("broker publish works again")
            self._broker_failing = False

    def _heard(self, payload: bytes) -> None:
        try:
            message = json.loads(payload)
            workshop_id = int(message["b"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed broker message")
            return
        if message.get("o") == self.process:
            return  # rung locally already
        feed = self.feeds.get(workshop_id)
        if feed is None:
            return
        if message.get("d"):
            feed.ring()  # its render finds the workshop gone and closes the sockets
        elif isinstance(message.get("k"), int):
            self._close_member(workshop_id, message["k"])
        else:
            feed.ring(message.get("s"), bool(message.get("p")))

    # -- orders to every process: a removed participant, a deleted workshop -------------------

    async def disconnect(self, workshop_id: int, participant_id: int) -> None:
        """Close a removed participant's sockets, in every process (4401: no reconnect)."""
        self._close_member(workshop_id, participant_id)
        await self._publish({"b": workshop_id, "k": participant_id, "o": self.process})

    def _close_member(self, workshop_id: int, participant_id: int) -> None:
        feed = self.feeds.get(workshop_id)
        for sock in list(feed.sockets) if feed else ():
            if sock.member_id == participant_id:
                sock.close(CLOSE_UNAUTHORISED)

    async def workshop_deleted(self, workshop_id: int) -> None:
        """Every open board of a deleted workshop, in any process, shows the notice and closes.
        A process that misses this message finds the board gone at its next check."""
        feed = self.feeds.get(workshop_id)
        if feed is not None:
            feed.ring()
        await self._publish({"b": workshop_id, "d": 1, "o": self.process})

    @staticmethod
    def _close_deleted(feed: BoardFeed) -> None:
        from app.templating import environment

        for lang in {s.lang for s in feed.sockets}:
            with i18n.use_locale(lang):
                notice = environment().get_template("_workshop_deleted.html").render()
            for sock in feed.sockets:
                if sock.lang == lang:
                    sock.close(CLOSE_UNAUTHORISED, notice)

    def changed_here(self, workshop_id: int, before: int, seq: int, renders: list[Render]) -> None:
        """A change committed in this process: its loaded fragments go to the local feed as they
        are (one load per change, not two), and the doorbell rings for the other processes."""
        feed = self.feeds.get(workshop_id)
        if feed is not None:
            feed.made_here.append((before, seq, renders))
            del feed.made_here[:-MAX_BACKLOG]  # a feed that cannot keep up reads the log instead
        self.ring(workshop_id, seq)

    def _broker_back(self) -> None:
        # Doorbells may have been lost while the broker was away: look at every board again.
        for feed in self.feeds.values():
            feed.ring(presence_changed=True)

    # -- feeds ------------------------------------------------------------------------------

    async def open_socket(self, workshop_id: int, member_id: int, lang: str) -> LocalSocket:
        """Register a socket with its board's feed; returns once the feed listens (before `accept`)."""
        feed = self.feeds.get(workshop_id)
        if feed is None:
            feed = self.feeds[workshop_id] = BoardFeed(workshop_id)
            feed.starting = asyncio.create_task(self._start_feed(feed))
        sock = LocalSocket(workshop_id, member_id, lang)
        feed.sockets.add(sock)
        try:
            await asyncio.shield(feed.starting)  # type: ignore[arg-type]
        except BaseException:
            await self.close_socket(sock)
            raise
        return sock

    async def close_socket(self, sock: LocalSocket) -> None:
        feed = self.feeds.get(sock.workshop_id)
        if feed is None:
            return
        feed.sockets.discard(sock)
        if not feed.sockets:
            del self.feeds[sock.workshop_id]
            await self._stop_feed(feed)

    async def _start_feed(self, feed: BoardFeed) -> None:
        from app.models import Workshop

        # Listen first, then read where the board is: nothing committed after that read
        # can go unheard.
        subscriber = feed.subscriber = await self.channels.subscribe([self.channel(feed.workshop_id)])
        feed.tasks.append(asyncio.create_task(self._listen_board(subscriber)))
        async with self.db.snapshot() as session:
            feed.rendered = await session.scalar(select(Workshop.seq).where(Workshop.id == feed.workshop_id))
        feed.tasks.append(asyncio.create_task(self._run_feed(feed)))

    async def _stop_feed(self, feed: BoardFeed) -> None:
        if feed.starting is not None:
            with contextlib.suppress(BaseException):
                await feed.starting
        for task in feed.tasks:
            task.cancel()
        if feed.subscriber is not None:
            with contextlib.suppress(Exception):
                await self.channels.unsubscribe(feed.subscriber)  # type: ignore[arg-type]

    async def _listen_board(self, subscriber) -> None:
        async for payload in subscriber.iter_events():
            self._heard(payload)

    async def _listen_control(self, subscriber) -> None:
        async for payload in subscriber.iter_events():
            future = self._pings.pop(payload.decode(errors="replace"), None)
            if future is not None and not future.done():
                future.set_result(True)

    async def _run_feed(self, feed: BoardFeed) -> None:
        while True:
            await feed.wake.wait()
            feed.wake.clear()
            try:
                await self._render_feed(feed)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is away: try again in a while
                log.exception("rendering board %s failed", feed.workshop_id)
                await asyncio.sleep(2.0)
                feed.ring(presence_changed=True)  # what failed may have included presence

    async def _render_feed(self, feed: BoardFeed) -> None:
        from app.board import fragments
        from app.models import Event, Workshop

        async with feed.lock:
            self._send_made_here(feed)
            if feed.up_to_date():
                return  # every change rung for was made here, and is sent
            show_presence, feed.presence_stale = feed.presence_stale, False
            feed.must_read = False
            async with self.db.snapshot() as session:
                workshop = await session.get(Workshop, feed.workshop_id)
                if workshop is None:
                    self._close_deleted(feed)
                    return
                if feed.rendered is None:
                    return
                seq, renders = workshop.seq, []
                if seq > feed.rendered:
                    described = await session.scalars(
                        select(Event.fragments)
                        .where(Event.workshop_id == workshop.id, Event.seq > feed.rendered, Event.seq <= seq)
                        .order_by(Event.seq)
                    )
                    loaders = fragments.from_descriptors(workshop, fragments.merge(described))
                    renders = [await load(session) for load in loaders]
                    renders.append(await fragments.announce(session, workshop, feed.rendered))
                people = None
                if show_presence:
                    people = await fragments.presence(
                        session, workshop.id, await presence.online(session, workshop.id, self.settings.presence_ttl)
                    )
            self._send(feed, renders, seq, people)
            self._send_made_here(feed)  # changes made here meanwhile, that follow on from this read

    def _send_made_here(self, feed: BoardFeed) -> None:
        """Send the changes made in this process as loaded for their answers, while they follow on
        without a gap from what the sockets have; a gap (a change from elsewhere) is read from the log."""
        while feed.made_here and feed.rendered is not None:
            before, seq, renders = feed.made_here[0]
            if before > feed.rendered:
                return
            del feed.made_here[0]
            if seq > feed.rendered:  # else: already sent, read from the log
                self._send(feed, renders, seq, None)

    @staticmethod
    def _send(feed: BoardFeed, renders: list[Render], seq: int, people: Render | None) -> None:
        """Render once per language in use, queue to every socket, and note how far the sockets are."""
        assert feed.rendered is not None
        marker = seq_marker(seq) if seq > feed.rendered else ""
        parts = [r for r in renders if not hasattr(r, "actor")]
        said = next((r for r in renders if hasattr(r, "actor")), None)
        _per_language(feed, lambda: "".join(r() for r in parts) + marker + (people() if people is not None else ""), said)
        feed.rendered = max(feed.rendered, seq)

    async def catch_up(self, sock: LocalSocket, seen: object) -> bool:
        """Bring a (re)connecting socket up to date; it names the last number it saw.

        Returns False when the board is gone."""
        from app.board import fragments
        from app.models import Workshop

        try:
            seen_seq = int(seen)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seen_seq = -1
        feed = self.feeds[sock.workshop_id]
        async with feed.lock:
            async with self.db.snapshot() as session:
                workshop = await session.get(Workshop, sock.workshop_id)
                if workshop is None:
                    return False
                if seen_seq == workshop.seq:
                    return True
                render = await fragments.everything(session, workshop)
            with i18n.use_locale(sock.lang):
                sock.put(render() + seq_marker(workshop.seq))
        return True

    # -- presence ---------------------------------------------------------------------------

    async def arrive(self, sock: LocalSocket) -> None:
        async with self._presence_lock:
            self.local[sock.workshop_id][sock.member_id] += 1
            if self.local[sock.workshop_id][sock.member_id] == 1:
                try:
                    await presence.arrive(self.db, self.process, sock.workshop_id, sock.member_id)
                except BaseException:
                    self._forget(sock)
                    raise
        self.ring(sock.workshop_id, presence_changed=True)

    async def leave(self, sock: LocalSocket) -> None:
        async with self._presence_lock:
            if last := self._forget(sock):
                # Should this fail, the heartbeat no longer refreshes the row: it expires.
                await presence.leave(self.db, self.process, sock.workshop_id, sock.member_id)
        self.ring(sock.workshop_id, presence_changed=True)
        if last and self.editing[sock.workshop_id].pop(sock.member_id, None) is not None:
            await self.publish_editing(sock.workshop_id)

    # -- who is editing which card (per process) ---------------------------------------------

    async def set_editing(self, sock: LocalSocket, card: object) -> None:
        """Who has which card open in the editor: shown on the card, so two people know of each other.
        Only a card id travels; an id that is not on this board simply matches no card."""
        card_id = card if isinstance(card, int) and not isinstance(card, bool) and 0 < card < 2**31 else None
        editing = self.editing[sock.workshop_id]
        if editing.get(sock.member_id) == card_id:
            return
        if card_id is None:
            editing.pop(sock.member_id, None)
        else:
            editing[sock.member_id] = card_id
        await self.publish_editing(sock.workshop_id)

    async def publish_editing(self, workshop_id: int) -> None:
        from app.board import fragments

        editing = dict(self.editing.get(workshop_id, {}))
        if not editing:
            self.editing.pop(workshop_id, None)
        async with self.db.session() as session:
            render = await fragments.editing(session, workshop_id, editing)
        feed = self.feeds.get(workshop_id)
        if feed is None:
            return
        # Per viewer: everyone's editors but their own, so the fragment needs no participant ids.
        # The same bytes for all who edit nothing, per language.
        async with feed.lock:
            made: dict[tuple[str, int | None], str] = {}
            for sock in list(feed.sockets):
                key = (sock.lang, sock.member_id if sock.member_id in editing else None)
                if key not in made:
                    with i18n.use_locale(sock.lang):
                        made[key] = render(key[1])
                sock.put(made[key])

    def _forget(self, sock: LocalSocket) -> bool:
        """One socket fewer; True when it was the participant's last one in this process."""
        counts = self.local[sock.workshop_id]
        counts[sock.member_id] -= 1
        last = counts[sock.member_id] <= 0
        if last:
            del counts[sock.member_id]
        if not counts:
            del self.local[sock.workshop_id]
        return last

    # -- upkeep: the safety net under the broker --------------------------------------------

    async def _upkeep(self) -> None:
        from app.models import Workshop

        loop = asyncio.get_running_loop()
        check_every = self.settings.catch_up_interval
        beat_every = self.settings.presence_ttl / 3  # so one late heartbeat expires nobody
        last_check = last_beat = loop.time()
        while True:
            await asyncio.sleep(min(check_every, beat_every, 1.0))
            now = loop.time()
            try:
                if now - last_check >= check_every:
                    last_check = now
                    # Missed doorbells (broker away, a message lost): boards ahead of their feed.
                    ids = [i for i, f in self.feeds.items() if f.rendered is not None]
                    if ids:
                        async with self.db.session() as session:
                            rows = await session.execute(select(Workshop.id, Workshop.seq).where(Workshop.id.in_(ids)))
                            found = dict(rows.all())
                        for workshop_id in ids:
                            if (feed := self.feeds.get(workshop_id)) is not None:
                                # A board that is gone (deleted elsewhere) rings too: its render closes it.
                                feed.ring(found.get(workshop_id))
                if now - last_beat >= beat_every:
                    last_beat = now
                    if self.local:
                        here = [(w, m) for w, counts in self.local.items() for m in counts]
                        await presence.heartbeat(self.db, self.process, here)
                    # Rows of processes that stopped without a word: gone, and say so.
                    for workshop_id in await presence.sweep(self.db, self.settings.presence_ttl):
                        self.ring(workshop_id, presence_changed=True)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is away; try again next round
                log.exception("upkeep failed")

    # -- health ------------------------------------------------------------------------------

    async def broker_ready(self, timeout: float = 2.0) -> bool:
        """A ping through the broker to ourselves: publishing and listening both work."""
        if self.backend.is_memory:
            return True
        if not self.backend.connected:
            return False
        nonce = secrets.token_hex(8)
        future = self._pings[nonce] = asyncio.get_running_loop().create_future()
        try:
            await self.channels.wait_published(nonce.encode(), [self.control_channel])
            await asyncio.wait_for(future, timeout)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        finally:
            self._pings.pop(nonce, None)


class BoardChange:
    """Collects what a handler changed; loaded before the commit, rendered for the answer."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.loaders: list[Loader] = []
        self.renders: list[Render] = []

    def add(self, *loaders: Loader) -> None:
        self.loaders.extend(loaders)

    def render(self) -> str:
        return "".join(r() for r in self.renders) + seq_marker(self.workshop.seq, partial=True)


@contextlib.asynccontextmanager
async def board_change(
    request: Request, session: AsyncSession, workshop: Workshop, allow_closed: bool = False
) -> AsyncIterator[BoardChange]:
    """Validate and write inside; on exit: note the fragments, load them, commit, ring.

    On an exception nothing is committed and nothing is broadcast. A closed session
    takes no changes, except those that say `allow_closed` (reopening it).
    """
    from app.board import fragments
    from app.facilitation.rules import ensure_open

    if not allow_closed:
        ensure_open(workshop)  # early, as read: no wait for the lock to be refused
    hub: Hub = request.app.state.hub
    db: Database = request.app.state.db
    change = BoardChange(workshop)
    async with db.writing(session):
        try:
            # The board's lock across processes: PostgreSQL holds this row lock until the
            # commit, so changes to one board take turns, and what is loaded below is
            # exactly the state numbered workshop.seq. (SQLite: the writer lock does this.)
            # The whole row: a lock, a close or private writing decided while this request
            # waited applies to it too.
            await session.refresh(workshop, with_for_update={"key_share": True})
            if not allow_closed:
                ensure_open(workshop)
            session.info[RECORDED] = []
            before = workshop.seq
            yield change
            changed = workshop.seq != before
            if changed:
                described = [list(fragments.descriptor_of(load)) for load in change.loaders]
                for event in session.info[RECORDED]:
                    event.fragments = described
            change.renders = [await load(session) for load in change.loaders]
            if changed:
                change.renders.append(await fragments.announce(session, workshop, before, session.info[RECORDED]))
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            session.info.pop(RECORDED, None)
    if changed:
        hub.changed_here(workshop.id, before, workshop.seq, change.renders)


def _same_origin(socket: WebSocket, public_url: str, allow_missing: bool = False) -> bool:
    """Cross-site websocket hijacking: browsers always send Origin; it must be us. Without one it
    is no browser: refused, unless the server lets scripts in (the cookie then still decides)."""
    origin = socket.headers.get("origin")
    if origin is None:
        return allow_missing
    host = urlsplit(origin).netloc.lower()
    allowed = {socket.headers.get("host", "").lower()}
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    return host in allowed


@websocket("/w/{slug:str}/ws")
async def board_socket(socket: WebSocket, slug: str) -> None:
    from app.errors import NotFound
    from app.security import member_cookie
    from app.workshops import service as ws_service

    state = socket.app.state
    hub: Hub = state.hub
    if not _same_origin(socket, state.settings.public_url, state.settings.allow_sockets_without_origin):
        await socket.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    try:
        async with state.db.session() as session:
            workshop, member = await ws_service.workshop_and_member(session, slug, socket.cookies.get(member_cookie(slug)))
    except NotFound:
        workshop = member = None
    if workshop is None or member is None:
        await socket.close(code=CLOSE_UNAUTHORISED)
        return
    lang = i18n.negotiate(socket.headers.get("accept-language"), socket.cookies.get(i18n.LANG_COOKIE))

    # Listen before accept, so nothing committed in between goes unheard.
    try:
        sock = await hub.open_socket(workshop.id, member.id, lang)
    except Exception:  # noqa: BLE001 - the database is away: refuse; the client tries again
        log.exception("board socket could not start")
        await socket.close(code=1011)
        return
    arrived = False
    try:
        await socket.accept()
        await hub.arrive(sock)
        arrived = True
        sender = asyncio.create_task(_send_loop(socket, sock))
        receiver = asyncio.create_task(_receive_loop(socket, hub, sock, state.limits.socket_messages))
        stalled = asyncio.create_task(sock.stalled.wait())
        try:
            done, _pending = await asyncio.wait({receiver, stalled}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                receiver.result()  # a disconnect or an error, as from a plain await
            else:
                # A phone that stopped reading: 1013 if the close frame still fits (the client
                # reconnects and catches up); a peer that reads nothing never takes it: do not wait.
                log.info("board socket closed: %s broadcasts behind", MAX_BACKLOG)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(socket.close(code=CLOSE_TRY_AGAIN), 1)
        finally:
            for task in (sender, receiver, stalled):
                task.cancel()
            await asyncio.gather(sender, receiver, stalled, return_exceptions=True)
    except WebSocketDisconnect:
        pass
    except Exception:  # noqa: BLE001 - an error closes this socket only, with a code that makes the client retry
        log.exception("board socket failed")
        with contextlib.suppress(Exception):
            await socket.close(code=1011)
    finally:
        await hub.close_socket(sock)
        if arrived:
            with contextlib.suppress(Exception):
                await hub.leave(sock)


async def close_socket(socket: WebSocket, code: int) -> None:
    """Close with `code` and mark it closed (Litestar's own flag), so nothing is sent on it after."""
    with contextlib.suppress(Exception):
        await socket.close(code=code)
    socket.connection_state = "disconnect"


async def _send_loop(socket: WebSocket, sock: LocalSocket) -> None:
    while isinstance(item := await sock.queue.get(), str):
        if socket.connection_state == "disconnect":
            return  # closed by us (a flood, a frame too big)
        await socket.send_text(item)
    # An int: closed on purpose (removed participant, deleted workshop). None: fell too far
    # behind: reconnect and catch up.
    await close_socket(socket, CLOSE_TRY_AGAIN if item is None else item)


async def _receive_loop(socket: WebSocket, hub: Hub, sock: LocalSocket, limiter) -> None:
    while True:
        raw = await socket.receive_data(mode="text")
        if len(raw) > MAX_CLIENT_FRAME:
            await close_socket(socket, CLOSE_TOO_BIG)
            raise WebSocketDisconnect(detail="frame too big", code=CLOSE_TOO_BIG)
        # Per participant over all their sockets: a flood closes this socket, nothing else.
        if not limiter.allow(sock.member_id):
            await close_socket(socket, CLOSE_TOO_MANY)
            raise WebSocketDisconnect(detail="too many messages", code=CLOSE_TOO_MANY)
        try:
            message = json.loads(raw)
        except ValueError:
            continue  # malformed frames are ignored; they change nothing
        if not isinstance(message, dict):
            continue
        if message.get("type") == "hello":
            if not await hub.catch_up(sock, message.get("seq")):
                await close_socket(socket, CLOSE_UNAUTHORISED)
                raise WebSocketDisconnect(detail="workshop gone", code=CLOSE_UNAUTHORISED)
        elif message.get("type") == "editing":
            await hub.set_editing(sock, message.get("card"))
