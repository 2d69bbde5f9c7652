"""A phone that stops reading: its queue is capped, it is disconnected, the others go on."""

from __future__ import annotations

import pytest

import base64
import os
import socket as pysocket
import struct

from app.live.feed import CLOSE_TRY_AGAIN, SOCKET_BACKLOG
from tests.support import BoardSocket, LiveServer, Person


def stalled_socket(person: Person, slug: str) -> pysocket.socket:
    """A board socket that reads nothing after the handshake, like a phone gone to sleep."""
    host, port = person.base_url.removeprefix("http://").split(":")
    sock = pysocket.socket()
    sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    cookies = "; ".join(f"{k}={v}" for k, v in person.client.cookies.items())
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /w/{slug}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {person.base_url}\r\nCookie: {cookies}\r\n\r\n".encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):  # byte by byte: leave the frames unread
        head += sock.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    return sock


def read_to_the_end(sock: pysocket.socket, timeout: float = 30) -> bytes:
    sock.settimeout(timeout)
    data = bytearray()
    while chunk := sock.recv(1 << 20):
        data += chunk
    return bytes(data)


def close_code(frames: bytes) -> int | None:
    """The code of the server's close frame at the end of `frames` (unmasked), if any."""
    i, code = 0, None
    while i + 2 <= len(frames):
        opcode, size, i = frames[i] & 0x0F, frames[i + 1] & 0x7F, i + 2
        if size == 126:
            size, i = struct.unpack("!H", frames[i:i + 2])[0], i + 2
        elif size == 127:
            size, i = struct.unpack("!Q", frames[i:i + 8])[0], i + 8
        if opcode == 0x8 and size >= 2:
            code = struct.unpack("!H", frames[i:i + 2])[0]
        i += size
    return code


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """Hundreds of quick changes by one facilitator: above the per-person rate limit of a real room."""
    srv = LiveServer(tmp_path_factory.mktemp("busy"), env={"MUTATION_BURST": "100000"}).start()
    yield srv
    srv.stop()


def test_a_socket_that_stops_reading_is_closed_and_catches_up_others_miss_nothing(busy_server):
    facilitator = Person(busy_server.url)
    ws = facilitator.create_workshop()
    sleeper = Person(busy_server.url)
    sleeper.join(ws, "Slaper")
    phases, lanes = facilitator.cell_ids(ws.slug)
    # A heavy board: every phase change sends the whole board (~50 KB) to every socket.
    for i in range(20):
        assert facilitator.add_card(ws.slug, phases[i % 5], lanes[i % 5], f"kaart {i} " + "x" * 990).status_code == 200

    watcher = facilitator.socket(ws.slug)
    watcher.recv_until(lambda m: 'id="presence"' in m)
    stalled = stalled_socket(sleeper, ws.slug)
    watcher.recv_until(lambda m: 'id="presence"' in m and "Slaper" in m)

    # The kernel's send buffer takes a few MB first; then the server's queue for the sleeper
    # fills up to SOCKET_BACKLOG and it must leave (its name goes from the presence list).
    left = False
    for i in range(4 * SOCKET_BACKLOG):
        r = facilitator.post(f"/w/{ws.slug}/phases/{phases[0]}", {"name": f"naam {i}", "trigger": "", "completion": ""})
        assert r.status_code == 200, r.text
        left = any('id="presence"' in m and "Slaper" not in m for m in watcher.drain(quiet=0.001))
        if left:
            break
    last = i
    assert left, "the stalled socket was never closed"
    # Nobody else missed anything: the watcher saw every name, in order.
    watcher.drain(quiet=0.5)
    seen = [int(m.split('class="phase-name">naam ')[1].split("<")[0]) for m in watcher.messages if ">naam " in m]
    assert seen == list(range(last + 1))
    watcher.close()

    # The sleeper wakes up: it reads what was buffered, then its connection ends (the handler
    # did not linger until a keepalive timeout, 1011), with a close frame 1013 when the server
    # could still write one, else none (the browser sees 1006): both make htmx reconnect.
    assert close_code(read_to_the_end(stalled)) in (None, CLOSE_TRY_AGAIN)
    stalled.close()
    # Reconnecting with the last number it saw brings the whole board, current.
    again = BoardSocket(sleeper, ws.slug, hello=False)
    again.send({"type": "hello", "seq": 1})
    msg = again.recv_until(lambda m: 'id="board-root"' in m)
    assert f">naam {last}<" in msg
    again.close()
