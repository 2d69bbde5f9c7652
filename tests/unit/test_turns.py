"""Turns: callers queued for a lock are served together; errors reach the whole batch."""

from __future__ import annotations

import asyncio

import pytest

from app.live.turns import Turns


async def test_callers_waiting_for_the_lock_are_served_in_one_batch():
    batches = []

    async def double(items):
        batches.append(list(items))
        await asyncio.sleep(0)  # as a database round trip: the others queue meanwhile
        return [i * 2 for i in items]

    turns = Turns(asyncio.Lock(), double)
    assert await asyncio.gather(*(turns.serve(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert batches == [[0], [1, 2, 3, 4]]  # the first alone, then everyone who queued behind it


async def test_an_error_reaches_every_caller_of_its_batch_and_the_next_batch_is_served():
    calls = []

    async def fail_once(items):
        calls.append(list(items))
        await asyncio.sleep(0)
        if len(calls) == 2:
            raise ValueError("database away")
        return items

    turns = Turns(asyncio.Lock(), fail_once)
    results = await asyncio.gather(*(turns.serve(i) for i in range(3)), return_exceptions=True)
    assert results[0] == 0 and all(isinstance(r, ValueError) for r in results[1:])
    assert await turns.serve(9) == 9


async def test_a_cancelled_server_hands_the_others_back_to_be_served():
    started, batches = asyncio.Event(), []

    async def slow(items):
        batches.append(list(items))
        started.set()
        await asyncio.sleep(10 if 0 in items else 0)
        return items

    turns = Turns(asyncio.Lock(), slow)
    first = asyncio.create_task(turns.serve(0))
    await started.wait()
    others = [asyncio.create_task(turns.serve(i)) for i in (1, 2)]
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.gather(*others) == [1, 2]
    assert batches == [[0], [1, 2]]  # the cancelled caller's own item is not served again
