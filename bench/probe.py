"""What the harness serves: the app (or the bare relay) behind an event-loop lag probe.

uvicorn runs `bench.probe:app` / `bench.probe:relay` with `--factory`. The probe is a
task that sleeps 10 ms and records how late it wakes up: the time any other callback
held the loop. `GET /__bench/lag` returns the lag since the last call (and resets it);
everything else goes to the wrapped app unchanged.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import threading
import time
import traceback

from litestar.types import ASGIApp, Receive, Scope, Send

INTERVAL = 0.01
MAX_SAMPLES = 200_000
# Where the loop was when it was held this long: a watchdog thread samples its stack
# (BENCH_STALL_LOG=path: appended there), to find what holds the loop, not only how long.
STALL_S = 0.08


class LagProbe:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self.task: asyncio.Task | None = None
        # Garbage collections of the oldest generation: how many, and the longest (they hold the loop).
        self.gc_full: list[float] = []
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif len(self.gc_full) < MAX_SAMPLES:
            self.gc_full.append(time.perf_counter() - self._gc_start)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.beat = time.monotonic()
        if os.environ.get("BENCH_STALL_LOG"):
            threading.Thread(target=self._watch, args=(threading.main_thread().ident, os.environ["BENCH_STALL_LOG"]),
                             daemon=True).start()
        while True:
            start = loop.time()
            await asyncio.sleep(INTERVAL)
            self.beat = time.monotonic()
            if len(self.samples) < MAX_SAMPLES:
                self.samples.append(max(0.0, loop.time() - start - INTERVAL))

    def _watch(self, loop_thread: int | None, path: str) -> None:
        """Every 20 ms: if the loop has not ticked for STALL_S, write down the loop thread's stack."""
        last_beat = None
        while True:
            time.sleep(0.02)
            held = time.monotonic() - self.beat
            if held > STALL_S and self.beat != last_beat:
                last_beat = self.beat  # one stack per stall
                frame = sys._current_frames().get(loop_thread)
                stack = "".join(traceback.format_stack(frame)[-25:]) if frame else "?"
                with open(path, "a") as out:
                    out.write(f"--- loop held {held * 1000:.0f} ms so far (at {time.time():.1f})\n{stack}\n")

    def take(self) -> dict:
        samples, self.samples = sorted(self.samples), []
        full, self.gc_full = self.gc_full, []
        gc_stats = {"gc_full": len(full), "gc_full_max_ms": max(full, default=0.0) * 1000,
                    "gc_tracked": len(gc.get_objects()), "gc_frozen": gc.get_freeze_count()}
        if not samples:
            return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, **gc_stats}
        pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000  # noqa: E731
        return {"n": len(samples), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": samples[-1] * 1000, **gc_stats}


def with_probe(inner: ASGIApp) -> ASGIApp:
    probe = LagProbe()

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if probe.task is None and scope["type"] in ("http", "websocket"):
            probe.task = asyncio.get_running_loop().create_task(probe.run())
        if scope["type"] == "http" and scope["path"] == "/__bench/lag":
            body = json.dumps(probe.take()).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await inner(scope, receive, send)

    return asgi


def app() -> ASGIApp:
    from app.main import create_app

    return with_probe(create_app())


def relay() -> ASGIApp:
    from bench.relay import create_relay

    return with_probe(create_relay())
