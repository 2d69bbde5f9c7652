"""Callers that queue for a lock while one holds it are served together by whoever takes it next.

A room's phones reconnect at once (a Wi-Fi blip, a killed process): each wants the same work (a
catch-up read, a presence row). Done one after another behind a lock, the last waits for all;
done as one batch, everyone waits for at most two turns. A leaf: it imports nothing of the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Turns(Generic[T, R]):
    """`await turns.serve(item)`: `serve_batch(items)` runs holding `lock`, for every item waiting, and
    returns one result per item. An error reaches every caller of that batch; a cancelled server
    hands the items back, for their own callers to serve in their turn."""

    def __init__(self, lock: asyncio.Lock, serve_batch: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self.lock = lock
        self.serve_batch = serve_batch
        self.waiting: list[tuple[T, asyncio.Future[R]]] = []

    async def serve(self, item: T) -> R:
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, answer))
        async with self.lock:
            if not answer.done():
                batch, self.waiting = self.waiting, []
                try:
                    results = await self.serve_batch([i for i, _ in batch])
                except Exception as exc:
                    for _, waiting in batch:
                        if waiting is not answer and not waiting.done():  # ours raises here: never left unread
                            waiting.set_exception(exc)
                    raise
                except BaseException:
                    self.waiting[:0] = [(i, f) for i, f in batch if f is not answer and not f.done()]
                    raise
                for (_, waiting), result in zip(batch, results):
                    if not waiting.done():
                        waiting.set_result(result)
        return await answer
