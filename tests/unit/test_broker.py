"""The guard around the channels backend, and which fragments a run of changes needs."""

from __future__ import annotations

import asyncio

import pytest
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from app.live import kinds  # noqa: F401 - registers every kind of fragment
from app.live import fragments as registry
from app.live.fragments import WHOLE_BOARD, merge
from app.live.broker import GuardedBackend


class FlakyBackend(MemoryChannelsBackend):
    """The memory backend with a switch: while down, everything raises, like a stopped Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.subscribed_at_start = 0

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("broker down")

    async def on_startup(self) -> None:
        self._check()
        await super().on_startup()

    async def publish(self, data, channels) -> None:
        self._check()
        await super().publish(data, channels)

    async def subscribe(self, channels) -> None:
        self._check()
        await super().subscribe(channels)

    async def stream_events(self):
        async for item in super().stream_events():
            self._check()
            yield item

    def fail(self) -> None:
        """Go down, and break the open stream as a closed connection would."""
        self.down = True
        assert self._queue is not None
        self._queue.put_nowait(("board.1", b"x"))


async def until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.01)


async def receive(subscriber, timeout: float = 5.0) -> bytes:
    return await asyncio.wait_for(subscriber._queue.get(), timeout)


async def test_a_failed_publish_does_not_stop_later_ones():
    flaky = FlakyBackend()
    guarded = GuardedBackend(flaky)
    async with ChannelsPlugin(backend=guarded, arbitrary_channels_allowed=True) as channels:
        subscriber = await channels.subscribe(["board.1"])
        flaky.down = True
        with pytest.raises(ConnectionError):
            await channels.wait_published(b"lost", ["board.1"])
        flaky.down = False
        await channels.wait_published(b"after", ["board.1"])
        assert await receive(subscriber) == b"after"


async def test_a_broken_stream_reconnects_subscribes_again_and_says_so():
    flaky = FlakyBackend()
    guarded = GuardedBackend(flaky)
    reconnected = asyncio.Event()
    guarded.on_reconnect = reconnected.set
    async with ChannelsPlugin(backend=guarded, arbitrary_channels_allowed=True) as channels:
        subscriber = await channels.subscribe(["board.1"])
        await channels.wait_published(b"before", ["board.1"])
        assert await receive(subscriber) == b"before"

        flaky.fail()
        await asyncio.wait_for(until(lambda: not guarded.connected), 5)
        await asyncio.sleep(0.5)  # let a reconnect attempt or two fail while it is down
        assert not reconnected.is_set()
        flaky._channels.clear()  # a new connection knows no subscriptions
        flaky.down = False
        await asyncio.wait_for(reconnected.wait(), 10)
        assert "board.1" in flaky._channels  # subscribed again
        await channels.wait_published(b"after", ["board.1"])
        assert await receive(subscriber) == b"after"


async def test_a_broker_down_at_start_up_is_retried():
    flaky = FlakyBackend()
    flaky.down = True
    guarded = GuardedBackend(flaky)
    reconnected = asyncio.Event()
    guarded.on_reconnect = reconnected.set
    async with ChannelsPlugin(backend=guarded, arbitrary_channels_allowed=True) as channels:
        subscriber = await channels.subscribe(["board.1"])  # remembered, not raised
        assert not guarded.connected
        flaky.down = False
        await asyncio.wait_for(reconnected.wait(), 10)
        await channels.wait_published(b"hello", ["board.1"])
        assert await receive(subscriber) == b"hello"


def test_merge_keeps_first_seen_order_and_each_fragment_once():
    assert merge([[["cell", 1, 2], ["card", 5]], [["card", 5], ["cell", 3, 4]]]) == [
        ("cell", 1, 2), ("card", 5), ("cell", 3, 4),
    ]


def test_merge_the_whole_board_wins_and_unknown_means_the_whole_board():
    assert merge([[["cell", 1, 2]], [["board"]]]) == [WHOLE_BOARD]
    assert merge([[["cell", 1, 2]], None]) == [WHOLE_BOARD]  # an event recorded without fragments
    assert merge([[["tag-cloud", 7]]]) == [WHOLE_BOARD]  # a kind this version does not know
    assert merge([]) == []
    # Everyone's vote budget is not part of the whole board: it stays, after it.
    assert merge([[["board"], ["votes_left", 3, True, 9]], [["card", 5]]]) == [WHOLE_BOARD, ("votes_left", 3, True, 9)]


def test_every_loader_a_handler_can_add_is_described_for_the_event_log():
    """Other processes rebuild a change's fragments from its descriptors: a loader without one
    would cost them a whole board, and a kind they cannot rebuild would break their feed."""
    import json

    from app.board import fragments
    from app.chart import fragments as chart_fragments
    from app.export import panel
    from app.models import Workshop

    workshop = Workshop(id=1, seq=4)
    loaders = [
        fragments.cell(workshop, 1, 2), fragments.card(workshop, 3), fragments.whole_board(workshop),
        fragments.revisit(workshop), fragments.tag_tools(workshop), fragments.vote_panel(workshop),
        fragments.session(workshop), fragments.votes_left(workshop, 3, True, 4), chart_fragments.whole_chart(workshop),
        chart_fragments.counts(workshop), chart_fragments.cards(workshop, [3, 5]), panel.panel(workshop),
    ]
    described = json.loads(json.dumps([list(registry.descriptor_of(load)) for load in loaders]))  # as stored
    names = [d[0] for d in described]
    assert len(set(names)) == len(names) == len(loaders)
    rebuilt = registry.from_descriptors(workshop, registry.merge([[d for d in described if d != ["board"]]]))
    assert [registry.descriptor_of(load) for load in rebuilt] == [tuple(d) for d in described if d != ["board"]]
