"""Live updates: board channels, the board lock, broadcast, presence and the board socket.

Mutations arrive as htmx HTTP requests; after the commit, the handler's
`BoardChange` renders the changed fragments once per language and publishes
them on the board's channels. The socket only carries what the server pushes,
plus the client's "hello" (the last sequence number it saw) for catch-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.subscriber import Subscriber
from litestar.exceptions import WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n

if TYPE_CHECKING:
    from litestar import Request

    from app.models import Workshop

log = logging.getLogger("zichtlijn.realtime")

# Renders HTML in the current locale; built by a loader after the commit.
Render = Callable[[], str]
Loader = Callable[[AsyncSession], Awaitable[Render]]

MAX_CLIENT_FRAME = 4096  # bytes; clients only ever send a short hello
# Close codes: 4401/4403 are final for the ws extension (it reconnects only on
# 1006, 1011, 1012, 1013), 1013 "try again later" makes it reconnect.
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_TOO_BIG = 1009
CLOSE_TOO_MANY = 1008  # policy violation: more messages than a client ever needs; no reconnect
# The notice that a workshop was deleted; a socket that forwards it closes itself after it.
DELETED_MARKER = 'id="workshop-deleted"'
CLOSE_TRY_AGAIN = 1013
# Broadcasts a socket may have waiting before it counts as stalled (a phone that
# stopped reading). A healthy client is never more than a burst behind (40 at once).
SOCKET_BACKLOG = 100


def board_channel(workshop_id: int, lang: str) -> str:
    return f"board.{workshop_id}.{lang}"


def seq_marker(seq: int) -> str:
    # The client reads this to say where it was when it reconnects.
    return f'<div id="board-seq" data-seq="{int(seq)}" hidden hx-swap-oob="true"></div>'


class CappedSubscriber(Subscriber):
    """A socket's queue of unsent broadcasts, capped at `SOCKET_BACKLOG` (the plugin's
    `subscriber_max_backlog`, strategy "backoff": a full queue drops the new message).
    The first drop fires the socket's timer, which closes the socket: a client must
    never silently miss edits; it reconnects and catches up by sequence number."""

    _timer: asyncio.Timeout | None = None

    def watch(self, timer: asyncio.Timeout) -> None:
        self._timer = timer
        if self._queue.full():
            timer.reschedule(0)

    def put_nowait(self, item: bytes | None) -> bool:
        if super().put_nowait(item):
            return True
        if self._timer is not None and not self._timer.expired():
            with contextlib.suppress(RuntimeError):  # the socket has already left
                self._timer.reschedule(0)
        return False

    async def put(self, item: bytes | None) -> None:
        # Litestar's unsubscribe puts its stop marker with `put`, which would wait forever
        # on the full queue of a stalled socket (a leaked handler). Never wait.
        self.put_nowait(item)


class Hub:
    """Per-process state of the live layer; lives on `app.state.hub`."""

    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # workshop id -> participant id -> open sockets in this process
        self.presence: defaultdict[int, Counter[int]] = defaultdict(Counter)
        self.sockets: defaultdict[tuple[int, int], set[WebSocket]] = defaultdict(set)
        # workshop id -> participant id -> the card they have open in the editor
        self.editing: defaultdict[int, dict[int, int]] = defaultdict(dict)

    def lock(self, workshop_id: int) -> asyncio.Lock:
        """Held from a board change's write to its publish, so broadcasts leave in commit order."""
        return self._locks[workshop_id]

    async def publish(self, workshop_id: int, render: Render) -> None:
        """Render once per language and publish. A broker failure is logged, never raised:
        the edit is committed and clients catch up by sequence number on reconnect."""
        for lang in i18n.LANGUAGES:
            with i18n.use_locale(lang):
                html = render()
            try:
                await self.channels.wait_published(html, [board_channel(workshop_id, lang)])
            except Exception:  # noqa: BLE001 - see Litestar #5008: never let one failure stop broadcasting
                log.exception("broadcast to board %s failed", workshop_id)

    def online(self, workshop_id: int) -> list[int]:
        return [pid for pid, n in self.presence[workshop_id].items() if n > 0]

    async def workshop_deleted(self, workshop_id: int) -> None:
        """Tell every open board of a deleted workshop (any process): each socket shows the
        notice and then closes (see `_forward`). Nothing is left to catch up with."""
        from app.templating import environment

        await self.publish(workshop_id, lambda: environment().get_template("_workshop_deleted.html").render())
        self._locks.pop(workshop_id, None)

    async def disconnect(self, workshop_id: int, participant_id: int) -> None:
        """Close a removed participant's sockets (4401: the client does not reconnect)."""
        for socket in list(self.sockets.get((workshop_id, participant_id), ())):
            await close_socket(socket, CLOSE_UNAUTHORISED)


class BoardChange:
    """Collects what a handler changed; rendered and broadcast after the commit."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.loaders: list[Loader] = []
        self.renders: list[Render] = []

    def add(self, *loaders: Loader) -> None:
        self.loaders.extend(loaders)

    def render(self) -> str:
        return "".join(r() for r in self.renders) + seq_marker(self.workshop.seq)


@contextlib.asynccontextmanager
async def board_change(
    request: Request, session: AsyncSession, workshop: Workshop, allow_closed: bool = False
) -> AsyncIterator[BoardChange]:
    """Validate and write inside; on exit: commit, render, broadcast (in that order).

    On an exception nothing is committed and nothing is broadcast. A closed session
    takes no changes, except those that say `allow_closed` (reopening it).
    """
    from app.facilitation.rules import ensure_open

    if not allow_closed:
        ensure_open(workshop)
    hub: Hub = request.app.state.hub
    db = request.app.state.db
    change = BoardChange(workshop)
    async with hub.lock(workshop.id):
        seq_before = workshop.seq
        async with db.writing():
            try:
                yield change
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        change.renders = [await load(session) for load in change.loaders]
        change.renders.append(await announcement(session, workshop, seq_before))
        await hub.publish(workshop.id, change.render)


async def announcement(session: AsyncSession, workshop: Workshop, seq_before: int) -> Render:
    """A short sentence for screen readers about what someone else just did (aria-live, polite)."""
    from app.board.fragments import announce

    return await announce(session, workshop, seq_before)


def _same_origin(socket: WebSocket, public_url: str) -> bool:
    """Cross-site websocket hijacking: browsers always send Origin; it must be us."""
    origin = socket.headers.get("origin")
    if origin is None:
        return True  # not a browser (scripts, tests); the cookie still decides
    host = urlsplit(origin).netloc.lower()
    allowed = {socket.headers.get("host", "").lower()}
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    return host in allowed


@websocket("/w/{slug:str}/ws")
async def board_socket(socket: WebSocket, slug: str) -> None:
    from app.security import member_cookie
    from app.workshops import service as ws_service

    state = socket.app.state
    hub: Hub = state.hub
    if not _same_origin(socket, state.settings.public_url):
        await socket.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    async with state.db.session() as session:
        workshop = await ws_service.find_workshop(session, slug)
        member = await ws_service.member_by_token(session, workshop, socket.cookies.get(member_cookie(slug))) if workshop else None
    if workshop is None or member is None:
        await socket.close(code=CLOSE_UNAUTHORISED)
        return
    lang = i18n.negotiate(socket.headers.get("accept-language"), socket.cookies.get(i18n.LANG_COOKIE))
    workshop_id, member_id = workshop.id, member.id

    # Subscribe before accept, so nothing published in between is lost.
    async with hub.channels.start_subscription([board_channel(workshop_id, lang)]) as subscriber:
        await socket.accept()
        hub.presence[workshop_id][member_id] += 1
        hub.sockets[(workshop_id, member_id)].add(socket)
        try:
            await _publish_presence(state, workshop_id)
            # join=False: never wait to flush a queue to a socket that is leaving.
            async with subscriber.run_in_background(_forward(socket), join=False):
                async with asyncio.timeout(None) as behind:
                    subscriber.watch(behind)  # type: ignore[attr-defined]
                    await _receive_loop(socket, state, workshop_id, member_id, lang)
        except TimeoutError:
            # Too far behind: 1013 makes the ws extension reconnect and catch up by sequence
            # number. A peer that reads nothing never takes the close frame: do not wait for it.
            log.info("board socket closed: %s broadcasts behind", SOCKET_BACKLOG)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(code=CLOSE_TRY_AGAIN), 1)
        except (WebSocketDisconnect, OSError):
            pass  # gone, also when it left while a broadcast was being sent (uvicorn's ClientDisconnected)
        except Exception:  # noqa: BLE001 - an error closes this socket only, with a code that makes the client retry
            log.exception("board socket failed")
            with contextlib.suppress(Exception):
                await socket.close(code=1011)
        finally:
            hub.sockets[(workshop_id, member_id)].discard(socket)
            if not hub.sockets[(workshop_id, member_id)]:
                del hub.sockets[(workshop_id, member_id)]
            hub.presence[workshop_id][member_id] -= 1
            if hub.presence[workshop_id][member_id] <= 0:
                del hub.presence[workshop_id][member_id]
                if hub.editing[workshop_id].pop(member_id, None) is not None:
                    with contextlib.suppress(Exception):
                        await _publish_editing(state, workshop_id)
            with contextlib.suppress(Exception):
                await _publish_presence(state, workshop_id)


async def close_socket(socket: WebSocket, code: int) -> None:
    """Close with `code` and mark it closed (Litestar's own flag), so nothing is sent on it after."""
    with contextlib.suppress(Exception):
        await socket.close(code=code)
    socket.connection_state = "disconnect"


def _forward(socket: WebSocket) -> Callable[[str | bytes], Awaitable[None]]:
    async def send(message: str | bytes) -> None:
        if socket.connection_state == "disconnect":
            return  # closed by us (flood, deleted workshop): drop, never fail the forwarding task
        await socket.send_data(message)
        text = message.decode() if isinstance(message, bytes) else message
        if DELETED_MARKER in text:
            await close_socket(socket, CLOSE_UNAUTHORISED)

    return send


async def _receive_loop(socket: WebSocket, state, workshop_id: int, member_id: int, lang: str) -> None:
    limiter = state.limits.socket_messages
    while True:
        raw = await socket.receive_data(mode="text")
        if len(raw) > MAX_CLIENT_FRAME:
            await close_socket(socket, CLOSE_TOO_BIG)
            raise WebSocketDisconnect(detail="frame too big", code=CLOSE_TOO_BIG)
        # Per participant over all their sockets: a flood closes this socket, nothing else.
        if not limiter.allow(member_id):
            await close_socket(socket, CLOSE_TOO_MANY)
            raise WebSocketDisconnect(detail="too many messages", code=CLOSE_TOO_MANY)
        try:
            message = json.loads(raw)
        except ValueError:
            continue  # malformed frames are ignored; they change nothing
        if not isinstance(message, dict):
            continue
        if message.get("type") == "hello":
            await _catch_up(socket, state, workshop_id, lang, message.get("seq"))
        elif message.get("type") == "editing":
            await _set_editing(state, workshop_id, member_id, message.get("card"))


async def _catch_up(socket: WebSocket, state, workshop_id: int, lang: str, seen: object) -> None:
    """Bring a (re)connecting client up to date: it names the last sequence number it saw."""
    from app.board import fragments
    from app.models import Workshop

    try:
        seen_seq = int(seen)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seen_seq = -1
    hub: Hub = state.hub
    # Under the board lock: no change can commit between our read and our send.
    async with hub.lock(workshop_id):
        async with state.db.session() as session:
            workshop = await session.get(Workshop, workshop_id)
            if workshop is None:
                await socket.close(code=CLOSE_UNAUTHORISED)
                return
            if seen_seq == workshop.seq:
                return
            render = await fragments.everything(session, workshop)
        with i18n.use_locale(lang):
            await socket.send_text(render() + seq_marker(workshop.seq))


async def _set_editing(state, workshop_id: int, member_id: int, card: object) -> None:
    """Who has which card open in the editor: shown on the card, so two people know of each other.
    Only a card id travels; an id that is not on this board simply matches no card."""
    hub: Hub = state.hub
    card_id = card if isinstance(card, int) and 0 < card < 2**31 else None
    if hub.editing[workshop_id].get(member_id) == card_id:
        return
    if card_id is None:
        hub.editing[workshop_id].pop(member_id, None)
    else:
        hub.editing[workshop_id][member_id] = card_id
    await _publish_editing(state, workshop_id)


async def _publish_editing(state, workshop_id: int) -> None:
    from app.board import fragments

    hub: Hub = state.hub
    async with state.db.session() as session:
        render = await fragments.editing(session, workshop_id, dict(hub.editing[workshop_id]))
    await hub.publish(workshop_id, render)


async def _publish_presence(state, workshop_id: int) -> None:
    from app.board import fragments

    hub: Hub = state.hub
    async with state.db.session() as session:
        render = await fragments.presence(session, workshop_id, hub.online(workshop_id))
    await hub.publish(workshop_id, render)
