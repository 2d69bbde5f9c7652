"""The writer lock and the pool; a feed sending the changes made in its own process."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.models import Workshop
from app.realtime import BoardFeed, Hub, LocalSocket


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
