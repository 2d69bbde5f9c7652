"""The board socket with several clients: fan-out, isolation, catch-up, presence, origin."""

from __future__ import annotations

import json
import threading

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support import BoardSocket, LiveServer, Person


@pytest.fixture
def room(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    people = []
    for name in ("Anna", "Bram", "Cem"):
        p = make_person()
        p.join(ws, name)
        people.append(p)
    phases, lanes = facilitator.cell_ids(ws.slug)
    return ws, people, phases, lanes


def test_a_card_reaches_every_socket_of_the_board(room, facilitator):
    ws, (anna, bram, cem), phases, lanes = room
    sockets = [p.socket(ws.slug) for p in (facilitator, bram, cem)]
    for s in sockets:
        s.drain()
    anna.add_card(ws.slug, phases[0], lanes[0], "Cliënt belt")
    for s in sockets:
        msg = s.recv_until(lambda m: "Cliënt belt" in m)
        assert f'id="cards-{phases[0]}-{lanes[0]}" hx-swap-oob="true"' in msg
        assert 'id="board-seq"' in msg
        s.close()


def test_edits_moves_and_deletes_reach_others(room):
    ws, (anna, bram, _), phases, lanes = room
    with bram.socket(ws.slug) as s:
        s.drain()
        anna.add_card(ws.slug, phases[0], lanes[0], "versie 1")
        msg = s.recv_until(lambda m: "versie 1" in m)
        card_id = int(msg.split('data-card-id="')[1].split('"')[0])
        anna.post(f"/w/{ws.slug}/cards/{card_id}", {"text": "versie 2"})
        s.recv_until(lambda m: "versie 2" in m and f'id="card-{card_id}"' in m)
        anna.post(f"/w/{ws.slug}/cards/{card_id}/move", {"phase_id": phases[3], "lane_id": lanes[2]})
        s.recv_until(lambda m: f'id="cards-{phases[3]}-{lanes[2]}"' in m and "versie 2" in m)
        anna.post(f"/w/{ws.slug}/cards/{card_id}/delete")
        s.recv_until(lambda m: f'id="cards-{phases[3]}-{lanes[2]}"' in m and f'id="card-{card_id}"' not in m)


def test_a_card_of_workshop_a_never_reaches_a_socket_of_workshop_b(room, make_person):
    ws_a, (anna, _, _), phases, lanes = room
    owner_b = make_person()
    ws_b = owner_b.create_workshop("B")
    with owner_b.socket(ws_b.slug) as sock_b, anna.socket(ws_a.slug) as sock_a:
        sock_b.drain()
        sock_a.drain()
        anna.add_card(ws_a.slug, phases[0], lanes[0], "geheim van A")
        sock_a.recv_until(lambda m: "geheim van A" in m)
        assert not any("geheim van A" in m for m in sock_b.drain(quiet=0.5))


def test_a_socket_needs_membership_of_that_workshop(room, make_person):
    ws, (anna, _, _), _, _ = room
    other = make_person()
    ws_b = other.create_workshop("B")
    # Anna's cookie is for workshop A: the socket of B closes at once.
    with pytest.raises((ConnectionClosed, InvalidStatus)):
        s = BoardSocket(anna, ws_b.slug)
        s.conn.recv(timeout=2)
    stranger = make_person()
    with pytest.raises((ConnectionClosed, InvalidStatus)):
        s = BoardSocket(stranger, ws.slug)
        s.conn.recv(timeout=2)


def test_a_foreign_origin_is_refused(room, server):
    ws, (anna, _, _), _, _ = room
    with pytest.raises((ConnectionClosed, InvalidStatus)):
        s = BoardSocket(anna, ws.slug, origin="https://evil.example")
        s.conn.recv(timeout=2)
    ok = BoardSocket(anna, ws.slug, origin=server.url)
    ok.drain()
    ok.close()


def test_a_socket_without_origin_is_refused(room, server, tmp_path):
    """Browsers always send Origin: a socket without one is a script, refused unless the server
    says otherwise (ALLOW_SOCKETS_WITHOUT_ORIGIN), even with a member's cookie (issue 16, point 9)."""
    ws, (anna, _, _), _, _ = room
    # Closed before the upgrade: the client sees 403 (or, if it got that far, close code 4403).
    with pytest.raises((ConnectionClosed, InvalidStatus)) as refused:
        s = BoardSocket(anna, ws.slug, origin=None)
        s.conn.recv(timeout=2)
    closed = refused.value
    assert (closed.rcvd.code if isinstance(closed, ConnectionClosed) else closed.response.status_code) in (4403, 403)
    scripts = LiveServer(tmp_path, env={"ALLOW_SOCKETS_WITHOUT_ORIGIN": "true"}).start()
    try:
        fac = Person(scripts.url)
        board = fac.create_workshop()
        with BoardSocket(fac, board.slug, origin=None) as s:
            s.recv_until(lambda m: 'id="presence"' in m)
        with pytest.raises((ConnectionClosed, InvalidStatus)):  # a foreign Origin still is not
            s = BoardSocket(fac, board.slug, origin="https://evil.example")
            s.conn.recv(timeout=2)
    finally:
        scripts.stop()


def test_hello_with_an_old_sequence_number_gets_the_whole_board(room):
    ws, (anna, bram, _), phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "gemist 1")
    anna.add_card(ws.slug, phases[1], lanes[1], "gemist 2")
    s = BoardSocket(bram, ws.slug, hello=False)
    s.send({"type": "hello", "seq": 0})
    msg = s.recv_until(lambda m: 'id="board-root"' in m)
    assert "gemist 1" in msg and "gemist 2" in msg
    seq = int(msg.split('id="board-seq" data-seq="')[1].split('"')[0])
    # Up to date: a hello with the current number brings nothing.
    s.send({"type": "hello", "seq": seq})
    assert not any('id="board-root"' in m for m in s.drain(quiet=0.5))
    s.close()


def test_malformed_frames_change_nothing_and_the_socket_lives(room):
    ws, (anna, bram, _), phases, lanes = room
    with bram.socket(ws.slug) as s:
        s.drain()
        for frame in ["not json", "[]", "null", json.dumps({"type": "hello", "seq": "x"}), json.dumps({"type": "nope"})]:
            s.send(frame)
        s.drain()
        anna.add_card(ws.slug, phases[0], lanes[0], "nog steeds live")
        s.recv_until(lambda m: "nog steeds live" in m)


def test_an_oversized_frame_closes_only_that_socket(room):
    ws, (anna, bram, cem), phases, lanes = room
    big = bram.socket(ws.slug)
    calm = cem.socket(ws.slug)
    big.drain()
    calm.drain()
    big.send("x" * 60_000)
    with pytest.raises(ConnectionClosed):
        for _ in range(20):
            big.conn.recv(timeout=2)
    anna.add_card(ws.slug, phases[0], lanes[0], "de rest gaat door")
    calm.recv_until(lambda m: "de rest gaat door" in m)
    calm.close()


def test_presence_lists_who_is_connected(room, facilitator):
    ws, (anna, bram, _), _, _ = room
    watcher = facilitator.socket(ws.slug)
    a = anna.socket(ws.slug)
    watcher.recv_until(lambda m: 'id="presence"' in m and "Anna" in m)
    b = bram.socket(ws.slug)
    watcher.recv_until(lambda m: 'id="presence"' in m and "Anna" in m and "Bram" in m)
    a.close()
    msg = watcher.recv_until(lambda m: 'id="presence"' in m and "Anna" not in m)
    assert "Bram" in msg
    b.close()
    watcher.close()


def test_three_people_adding_at_the_same_moment_all_see_every_card(room, facilitator):
    ws, people, phases, lanes = room
    sockets = [p.socket(ws.slug) for p in [facilitator, *people]]
    for s in sockets:
        s.drain()
    barrier = threading.Barrier(len(people))
    errors = []

    def add(person, i):
        barrier.wait()
        for k in range(5):
            r = person.add_card(ws.slug, phases[0], lanes[0], f"p{i}-k{k}")
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=add, args=(p, i)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    expected = {f"p{i}-k{k}" for i in range(3) for k in range(5)}
    for s in sockets:
        # The last fragment of the cell holds every card: nothing was lost or reordered away.
        s.recv_until(lambda m: all(t in m for t in expected))
        s.close()
