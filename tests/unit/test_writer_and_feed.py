"""The writer lock and the pool; a feed sending the changes made in its own process."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.models import Workshop
from app.live.feed import BoardFeed, LocalSocket
from app.live.hub import Hub


async def test_requests_waiting_to_write_leave_the_pool_to_the_lock_holder(db):
    """Twenty requests that read (who is asking) and then wait for the writer lock must not hold
    the pool's connections meanwhile: the holder may need one (a feed's snapshot, presence).
    Before the fix this waited for the pool's 30 s timeout."""

    async def request() -> None:
        async with db.session() as s:
            await s.scalar(select(func.count()).select_from(Workshop))
            async with db.writing(s):
                await s.scalar(select(func.count()).select_from(Workshop))

    async with db.writing():
        waiting = [asyncio.create_task(request()) for _ in range(20)]
        await asyncio.sleep(0.3)  # all have read, and wait for the lock
        async with db.session() as s:
            # (Any answer will do; on PostgreSQL the database holds other tests' workshops.)
            assert await asyncio.wait_for(s.scalar(select(func.count()).select_from(Workshop)), 5) >= 0
    await asyncio.wait_for(asyncio.gather(*waiting), 10)


def _feed_with_socket(hub: Hub, rendered: int) -> tuple[BoardFeed, LocalSocket]:
    feed = hub.feeds[1] = BoardFeed(1, rendered=rendered)
    sock = LocalSocket(1, 1, "nl")
    feed.sockets.add(sock)
    return feed, sock


def _sent(sock: LocalSocket) -> list[str]:
    out = []
    while not sock.queue.empty():
        out.append(sock.queue.get_nowait())
    return out


async def test_changes_made_here_are_sent_as_loaded_until_a_gap(db, settings):
    hub = Hub(settings, db)
    feed, sock = _feed_with_socket(hub, rendered=5)
    hub.changed_here(1, 5, 6, [lambda: "<p>zes</p>"])
    hub.changed_here(1, 7, 8, [lambda: "<p>acht</p>"])  # 6 -> 7 was made by another process
    hub._send_made_here(feed)
    sent = _sent(sock)
    assert len(sent) == 1 and "zes" in sent[0] and 'data-seq="6"' in sent[0]
    assert feed.rendered == 6
    assert not feed.up_to_date()  # rung for 8: the gap is read from the event log

    feed.rendered = 7  # as the read of the log leaves it
    hub._send_made_here(feed)
    sent = _sent(sock)
    assert len(sent) == 1 and "acht" in sent[0] and 'data-seq="8"' in sent[0]
    assert feed.up_to_date()


async def test_a_change_already_read_from_the_log_is_not_sent_twice(db, settings):
    hub = Hub(settings, db)
    feed, sock = _feed_with_socket(hub, rendered=9)  # the log read got there first
    hub.changed_here(1, 8, 9, [lambda: "<p>negen</p>"])
    hub._send_made_here(feed)
    assert _sent(sock) == [] and feed.made_here == [] and feed.rendered == 9


async def test_a_reconnect_storm_loads_the_board_once_and_never_hands_out_an_older_one(db, settings, monkeypatch):
    """Forty sockets catching up at one number: one read of the database, one load of the whole
    board, one render per language. Once the feed has sent a newer change to its sockets, the
    next catch-up carries it: the cache is keyed by the number read in the same snapshot as the
    board, and is never older than what the feed's sockets have."""
    from app.board import service as board_service
    from app.live import kinds
    from app.workshops.service import create_workshop

    async with db.session() as s:
        workshop, facilitator = await create_workshop(s, settings, "Storm", "nl", "Fenna")
        await s.commit()
        board = await board_service.load_board(s, workshop)
        phase, lane = board.phases[0].id, board.lanes[0].id

    loads = []
    everything = kinds.everything

    async def counting(session, ws):
        loads.append(ws.seq)
        return await everything(session, ws)

    monkeypatch.setattr(kinds, "everything", counting)
    snapshots = []
    snapshot = db.snapshot

    def counting_snapshot(*args, **kwargs):
        snapshots.append(1)
        return snapshot(*args, **kwargs)

    monkeypatch.setattr(db, "snapshot", counting_snapshot)
    hub = Hub(settings, db)
    feed = hub.feeds[workshop.id] = BoardFeed(workshop.id, rendered=workshop.seq)
    sockets = [LocalSocket(workshop.id, 100 + i, "nl" if i % 2 else "en") for i in range(40)]
    feed.sockets.update(sockets)
    assert all(await asyncio.gather(*(hub.catch_up(sock, -1) for sock in sockets)))
    first = {sock.lang: _sent(sock) for sock in sockets}
    assert loads == [workshop.seq] and sorted(first) == ["en", "nl"]
    assert all(f'data-seq="{workshop.seq}"' in sent[0] for sent in first.values())
    assert set(feed.whole.html) == {"en", "nl"}  # rendered once per language
    assert len(snapshots) == 1  # the other 39 were served from the cache

    async with db.session() as s:
        fresh = await s.get(Workshop, workshop.id)
        await board_service.add_card(s, settings, fresh, await s.get(type(facilitator), facilitator.id), phase, lane, "Na de storing")
        await s.commit()
        seq = fresh.seq
    # Until the feed has sent the change (its doorbell), the cached board still serves: the
    # feed's next round brings the change to every socket, this one included.
    newcomer = LocalSocket(workshop.id, 200, "nl")
    feed.sockets.add(newcomer)
    assert await hub.catch_up(newcomer, -1) and loads == [workshop.seq]
    feed.ring(seq)  # its doorbell
    await hub._render_feed(feed)
    assert newcomer.floor == workshop.seq and any("Na de storing" in m for m in _sent(newcomer))
    sock = sockets[0]
    _sent(sock)
    assert await hub.catch_up(sock, workshop.seq)
    again = _sent(sock)
    assert loads == [workshop.seq, seq] and f'data-seq="{seq}"' in again[0] and "Na de storing" in again[0]


async def test_a_socket_caught_up_to_a_newer_board_is_never_sent_an_older_state(db, settings):
    """After a catch-up's whole board at 36, feed messages for 34 and 35 (read before it) are not
    sent to that socket; who is online still is. Others, still at 33, get them."""
    hub = Hub(settings, db)
    feed, behind = _feed_with_socket(hub, rendered=33)
    ahead = LocalSocket(1, 2, "nl")
    ahead.floor = 36  # as catch_up leaves it
    feed.sockets.add(ahead)
    hub._send(feed, [lambda: "<p>stand 34</p>"], 34, None)
    hub._send(feed, [lambda: "<p>stand 35</p>"], 35, lambda: "<ul>online</ul>")
    hub._send(feed, [lambda: "<p>stand 37</p>"], 37, None)
    assert [("34" in m, "35" in m, "37" in m) for m in _sent(behind)] == [(True, False, False), (False, True, False), (False, False, True)]
    assert _sent(ahead) == ["<ul>online</ul>", '<p>stand 37</p><div id="board-seq" data-seq="37" hidden hx-swap-oob="true"></div>']


async def test_a_feed_rung_while_a_change_loads_sends_what_the_change_loaded(db, settings):
    """A change commits, then loads its fragments in its board's turn (SQLite). The feed, rung for
    that number meanwhile (the upkeep reads the board's number from the database), waits for the
    turn and then sends what the change handed over: the change's own message, not a second load
    of it from the event log folded into the next one."""
    from app.live.events import record
    from app.workshops.service import create_workshop

    async with db.session() as s:
        workshop, _ = await create_workshop(s, settings, "Beurt", "nl", "Fenna")
        await s.commit()
        workshop_id, before = workshop.id, workshop.seq
    hub = Hub(settings, db)
    feed = hub.feeds[workshop_id] = BoardFeed(workshop_id, rendered=before)
    sock = LocalSocket(workshop_id, 1, "nl")
    feed.sockets.add(sock)
    async with db.board_turn(workshop_id):  # the change: committed, now loading
        async with db.session() as s, db.writing(s):
            await record(s, await s.get(Workshop, workshop_id), "test", {}, None)
            await s.commit()
        feed.ring(before + 1)  # as the upkeep does, having read the new number
        rendering = asyncio.create_task(hub._render_feed(feed))
        await asyncio.sleep(0.1)
        # SQLite: it waits for the board's turn. (PostgreSQL loads inside the change's transaction
        # and has no turn: the feed reads the committed change from the log at once.)
        assert rendering.done() is not db.loads_after_commit
        hub.changed_here(workshop_id, before, before + 1, [lambda: "<p>zoals geladen</p>"])
    await asyncio.wait_for(rendering, 5)
    hub._send_made_here(feed)
    sent = _sent(sock)
    assert len(sent) == 1 and f'data-seq="{before + 1}"' in sent[0]  # once, as one message
    assert ("zoals geladen" in sent[0]) is db.loads_after_commit
    assert feed.rendered == before + 1 and feed.up_to_date()


def test_a_change_is_rendered_once_per_language_for_the_answer_and_the_sockets(settings):
    from app.i18n import use_locale
    from app.live.feed import per_language
    from app.live.fragments import once_per_language

    calls = []

    def render() -> str:
        calls.append(1)
        return "<p>kaart</p>"

    shared = once_per_language(render)
    with use_locale("nl"):
        answer = shared()  # the asker's answer
    feed = BoardFeed(1, rendered=0)
    socks = [LocalSocket(1, i, "nl") for i in range(3)] + [LocalSocket(1, 9, "en")]
    feed.sockets.update(socks)
    per_language(feed, shared)
    assert len(calls) == 2  # nl once (answer and sockets alike), en once
    assert all(_sent(sock) == [answer] for sock in socks)
