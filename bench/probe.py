"""What the harness serves: the app (or the bare relay) behind an event-loop lag probe.

uvicorn runs `bench.probe:app` / `bench.probe:relay` with `--factory`. The probe is a
task that sleeps 10 ms and records how late it wakes up: the time any other callback
held the loop. `GET /__bench/lag` returns the lag since the last call (and resets it);
everything else goes to the wrapped app unchanged.
"""

from __future__ import annotations

import asyncio
import json

from litestar.types import ASGIApp, Receive, Scope, Send

INTERVAL = 0.01
MAX_SAMPLES = 200_000


class LagProbe:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(INTERVAL)
            if len(self.samples) < MAX_SAMPLES:
                self.samples.append(max(0.0, loop.time() - start - INTERVAL))

    def take(self) -> dict:
        samples, self.samples = sorted(self.samples), []
        if not samples:
            return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000  # noqa: E731
        return {"n": len(samples), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": samples[-1] * 1000}


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
