"""The live layer's per-process state (`app.state.hub`): the broker and its doorbells, the
board feeds, catch-up, presence, who edits which card, and the upkeep under the broker.

After a change commits, `ring` wakes this process's feed of the board and publishes a tiny
doorbell (`{"b": board, "s": seq, "o": process}`) for the other processes. A feed reads, at
one moment, the board's sequence number S and the fragments of the events it has not sent
yet, renders each once per language in use, and queues the HTML to its sockets: a late,
duplicated or lost doorbell costs time, never an edit. The broker also carries two small
orders naming ids only: close a removed participant's sockets (`k`) and close every socket of
a deleted workshop (`d`). See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from litestar.channels import ChannelsPlugin
from sqlalchemy import select

from app import i18n
from app.live import fragments as registry, kinds, presence
from app.live.broker import GuardedBackend, make_backend
from app.live.feed import CLOSE_UNAUTHORISED, MAX_BACKLOG, BoardFeed, LocalSocket, WholeBoard, per_language
from app.live.fragments import Render, seq_marker
from app.live.turns import Turns
from app.models import Event, Workshop
from app.templating import environment

if TYPE_CHECKING:
    from app.config import Settings
    from app.db import Database

log = logging.getLogger("zichtlijn.live")


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
        self._presence_lock = asyncio.Lock()  # presence rows: written and deleted in turn
        self._arrivals = Turns(self._presence_lock, self._write_arrivals)  # (board, participant) waiting for a row
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
        # Listen first, then read where the board is: nothing committed after that read
        # can go unheard.
        subscriber = feed.subscriber = await self.channels.subscribe([self.channel(feed.workshop_id)])
        feed.tasks.append(asyncio.create_task(self._listen_board(subscriber)))
        async with self.db.snapshot(feed.workshop_id) as session:
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
        async with feed.lock:
            self._send_made_here(feed)
            if feed.up_to_date():
                return  # every change rung for was made here, and is sent
            async with self.db.snapshot(feed.workshop_id) as session:
                # A change of this board that held its turn (SQLite: committed, then loading) has
                # handed over what it loaded by now: send that rather than read it again.
                self._send_made_here(feed)
                if feed.up_to_date():
                    return
                show_presence, feed.presence_stale = feed.presence_stale, False
                feed.must_read = False
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
                    loaders = registry.from_descriptors(workshop, registry.merge(described))
                    renders = [await load(session) for load in loaders]
                    renders.append(await kinds.announce(session, workshop, feed.rendered))
                people = None
                if show_presence:
                    people = await kinds.presence(
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
        per_language(feed, lambda: "".join(r() for r in parts) + marker + (people() if people is not None else ""), said,
                     seq=seq if parts or marker else None, beside=people)
        feed.rendered = max(feed.rendered, seq)

    async def catch_up(self, sock: LocalSocket, seen: object) -> bool:
        """Bring a (re)connecting socket up to date; it names the last number it saw.

        Returns False when the board is gone."""

        try:
            seen_seq = int(seen)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seen_seq = -1
        feed = self.feeds[sock.workshop_id]
        if feed.hellos is None:
            feed.hellos = Turns(feed.lock, lambda hellos: self._serve_hellos(feed, hellos))
        return await feed.hellos.serve((sock, seen_seq))

    async def _serve_hellos(self, feed: BoardFeed, hellos: list[tuple[LocalSocket, int]]) -> list[bool]:
        """Every socket waiting for its catch-up, in one go (holding the feed's lock).

        The feed's sockets have every state up to `feed.rendered`, and will be sent every later
        one. So a cached board at or past that number serves as well as a fresh one: phones that
        come back together (a Wi-Fi blip, a killed process) cost one read and one load, not a
        snapshot each in a row behind the feed's rounds."""
        whole = feed.whole
        if whole is None or whole.seq < (feed.rendered or 0) or any(seen > whole.seq for _, seen in hellos):
            async with self.db.snapshot(feed.workshop_id) as session:
                workshop = await session.get(Workshop, feed.workshop_id)
                if workshop is None:
                    return [False] * len(hellos)
                # Loaded in the same snapshot as its number: never older than it claims.
                if whole is None or whole.seq != workshop.seq:
                    feed.whole = WholeBoard(workshop.seq, await kinds.everything(session, workshop))
            whole = feed.whole
        for sock, seen in hellos:
            if seen != whole.seq:
                sock.put(whole.in_language(sock.lang))
            sock.floor = whole.seq
        return [True] * len(hellos)

    # -- presence ---------------------------------------------------------------------------

    async def arrive(self, sock: LocalSocket) -> None:
        self.local[sock.workshop_id][sock.member_id] += 1
        if self.local[sock.workshop_id][sock.member_id] == 1:
            try:
                await self._arrivals.serve((sock.workshop_id, sock.member_id))
            except BaseException:
                self._forget(sock)
                raise
        self.ring(sock.workshop_id, presence_changed=True)

    async def _write_arrivals(self, pairs: list[tuple[int, int]]) -> list[None]:
        """The presence rows of sockets that opened together, in one write (holding the presence
        lock), except those whose sockets closed meanwhile."""
        here = {p for p in pairs if self.local.get(p[0], {}).get(p[1], 0) > 0}
        await presence.arrive(self.db, self.process, *here)
        return [None] * len(pairs)

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
        editing = dict(self.editing.get(workshop_id, {}))
        if not editing:
            self.editing.pop(workshop_id, None)
        async with self.db.session() as session:
            render = await kinds.editing(session, workshop_id, editing)
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
