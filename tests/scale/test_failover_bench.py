"""`make bench`'s failover step, small: one of two processes is killed (kill -9) while a board's
participants add cards through both. The harness's own measure must hold: no acknowledged card
lost, every moved socket caught up, no state older than one a socket held."""

from __future__ import annotations

import asyncio
import time

from bench.client import AppTarget, Worker
from tests import services
from tests.cluster import cluster


def test_killing_one_of_two_processes_loses_no_acknowledged_card(tmp_path):
    services.need("postgres")
    services.need("redis")
    with cluster(2, broker="redis", data_dir=tmp_path) as c:
        alive, dead = c.urls

        async def go() -> dict:
            worker = Worker(AppTarget(alive, urls=c.urls, compression=None, cumulative=True), people=6)
            try:
                await worker.ensure_boards([0])
                await worker.activate([0])
                start = time.monotonic() + 0.2
                loop = asyncio.get_running_loop()
                loop.call_at(loop.time() + (start + 1.5 - time.monotonic()), c.servers[1].kill)
                return await worker.failover([0], rate=6, duration=3, start=start, dead=dead, alive=alive, drain=15)
            finally:
                await worker.close()

        r = asyncio.run(go())
    assert r["moved"] == 3 and r["sockets"] == 6  # participants 1, 3 and 5 were on the killed process
    assert r["acked"] >= 12 and r["lost"] == 0, r
    assert len(r["moves"]) == 3 and all(m["caught_ms"] is not None for m in r["moves"]), r["moves"]
    assert r["older"] == 0 and r["dropped"] == 0, r
