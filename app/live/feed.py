"""The fan-out in this process: one `LocalSocket` per open board socket, one `BoardFeed` per
board with sockets here, and rendering once per language in use (never per socket)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app import i18n
from app.live.fragments import Render, seq_marker
from app.live.turns import Turns

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


@dataclass(eq=False)
class LocalSocket:
    """One open board socket in this process: who, which language, what waits to be sent."""

    workshop_id: int
    member_id: int
    lang: str
    # HTML to send; an int: close with that code; None: close, fell behind (1013).
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(MAX_BACKLOG))
    closing: bool = False
    # The number of the whole board it was last given (a catch-up): older states are not sent to it.
    floor: int = -1
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
class WholeBoard:
    """The whole board as the number `seq` left it (loaded in one snapshot with that number),
    rendered once per language asked for."""

    seq: int
    render: Render
    html: dict[str, str] = field(default_factory=dict)

    def in_language(self, lang: str) -> str:
        if lang not in self.html:
            with i18n.use_locale(lang):
                self.html[lang] = self.render() + seq_marker(self.seq)
        return self.html[lang]


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

    # The whole board as of one number, for catch-ups (kept while the board has sockets here).
    whole: WholeBoard | None = None
    # Sockets that said hello, (socket, the number it saw), served together (`Hub.catch_up`).
    hellos: Turns[tuple[LocalSocket, int], bool] | None = None

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


def per_language(feed: BoardFeed, render: Render, said: Render | None = None, seq: int | None = None,
                 beside: Render | None = None) -> None:
    """Render once per language in use (never per socket) and queue it to that language's sockets.

    `said`: the announcement of what someone did (the board's `announce`, carrying `.actor`). It goes
    to everyone's sockets but the actor's own, so that no frame needs to say who the actor is.
    `seq`: the number of the board state the message shows. A socket already given that state or a
    newer one (a catch-up's whole board) gets only `beside` (what is not board state: who is online),
    so no socket is ever handed a state older than one it holds."""
    actor = getattr(said, "actor", None)
    for lang in {s.lang for s in feed.sockets}:
        with i18n.use_locale(lang):
            html = render()
            announcement = said() if said is not None else ""
            other = beside() if beside is not None else ""
        for sock in feed.sockets:
            if sock.lang != lang:
                continue
            if seq is not None and sock.floor >= seq:
                out = other
            else:
                out = html if sock.member_id == actor else html + announcement
            if out:
                sock.put(out)
