"""The board socket (`/w/{slug}/ws`): a member's browser receives the board's changes.
Clients only ever send a short `hello` (the last sequence number seen) and which card is
open in their editor; everything else travels from the server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import urlsplit

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from app import i18n
from app.errors import NotFound
from app.live.feed import (
    CLOSE_FORBIDDEN_ORIGIN, CLOSE_TOO_BIG, CLOSE_TOO_MANY, CLOSE_TRY_AGAIN, CLOSE_UNAUTHORISED, MAX_BACKLOG, LocalSocket,
)
from app.live.hub import Hub
from app.security import member_cookie
from app.workshops import service as ws_service

log = logging.getLogger("zichtlijn.live")

MAX_CLIENT_FRAME = 4096  # bytes; clients only ever send a short hello


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
        sender = asyncio.create_task(_send_loop(socket, sock))
        receiver = asyncio.create_task(_receive_loop(socket, hub, sock, state.limits.socket_messages))
        stalled = asyncio.create_task(sock.stalled.wait())
        try:
            # Presence after the reading has begun: the hello (the board's catch-up) does not
            # wait for presence rows. A hundred phones moving here from a killed process
            # otherwise queue their catch-ups behind a hundred presence writes (measured: 3 s).
            await hub.arrive(sock)
            arrived = True
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
