"""HOOK for the PDF export (another issue): not available yet.

When the export exists, fill in `export_pdf` (request the PDF exactly as a browser does,
return its bytes) and set `AVAILABLE = True`. `measure` then times it on boards of 40,
200 and 1,000 cards, samples the server's peak memory (its children too, in case
WeasyPrint runs in a worker process). The row "target load while a 300-card export runs"
needs a few more lines in `measure` (see its end).
"""

from __future__ import annotations

import re
import threading
import time

import httpx

AVAILABLE = False
CARDS = (40, 200, 1000)
NOT_YET = "not available yet"


def export_pdf(client: httpx.Client, slug: str) -> bytes:
    """Fill in: e.g. `client.get(f"/w/{slug}/export.pdf").raise_for_status().content`."""
    raise NotImplementedError


class PeakRss:
    """Samples the server's RSS (with children) every 10 ms while a block runs."""

    def __init__(self, ps) -> None:
        self.ps, self.peak, self._stop = ps, 0, threading.Event()

    def _rss(self) -> int:
        total = self.ps.memory_info().rss
        for child in self.ps.children(recursive=True):
            try:
                total += child.memory_info().rss
            except Exception:  # noqa: BLE001 - a child may end between listing and reading
                pass
        return total

    def __enter__(self) -> "PeakRss":
        self.base = self._rss()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.01)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join()


def measure(server, cfg) -> dict:
    """Rows for the table: PDF time and peak memory per size, and p99 during an export."""
    if not AVAILABLE:
        return {"available": False, "rows": [{"cards": n, "status": NOT_YET} for n in CARDS], "during_export": NOT_YET}
    rows = []
    with httpx.Client(base_url=server.url, timeout=300) as c:
        c.get("/")
        h = {"x-csrftoken": c.cookies.get("csrftoken") or ""}
        for n in CARDS:
            r = c.post("/workshops", data={"title": f"Export {n}"}, headers=h, follow_redirects=True)
            slug = str(r.url).rstrip("/").rsplit("/", 1)[1]
            phases = [int(x) for x in re.findall(r'class="phase" id="phase-(\d+)"', r.text)]
            lanes = [int(x) for x in re.findall(r'class="lane" id="lane-(\d+)"', r.text)]
            for k in range(n):
                c.post(f"/w/{slug}/cards", headers={**h, "HX-Request": "true"},
                       data={"phase_id": phases[k % len(phases)], "lane_id": lanes[k % len(lanes)], "text": f"kaart {k}"})
            times, peaks = [], []
            for _ in range(cfg.reps):
                with PeakRss(server.ps) as peak:
                    t = time.monotonic()
                    pdf = export_pdf(c, slug)
                    times.append((time.monotonic() - t) * 1000)
                peaks.append((peak.peak - peak.base) / 2**20)
            rows.append({"cards": n, "ms": sorted(times), "peak_mib": sorted(peaks), "bytes": len(pdf), "status": "ok"})
    # Still to write with the export: the target step (Bench.step) while a thread exports a
    # 300-card board in a loop; report its p99 here.
    return {"available": True, "rows": rows, "during_export": NOT_YET}
