"""`make soak`: 1,000 sockets under a steady load for N minutes against one server; does memory grow?

Every minute: the p99 of that minute and the server's RSS. Growth is judged on the
RSS after the first minutes (warm-up: caches, allocator arenas) against the end.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.run import PERF_DIR, TARGET, Bench, Clients, Server, machine, raise_open_files, say


def main(minutes: float, rate: float = 2.0) -> None:
    raise_open_files()
    rows = []
    with tempfile.TemporaryDirectory(prefix="zl-soak-") as tmp:
        server = Server("app", Path(tmp)).start()
        clients = None
        try:
            clients = Clients("app", server, 2, TARGET["people"])
            bench = Bench("app", server, clients)
            bench.boards(TARGET["boards"])
            end = time.monotonic() + minutes * 60
            while time.monotonic() < end - 30:
                r = bench.step(rate=rate, duration=55)
                rows.append({"minute": len(rows) + 1, "p50": r["p50"], "p99": r["p99"], "dropped": r["dropped"],
                             "errors": r["errors"], "rss_mib": r["rss_mib"], "server_cpu": r["server_cpu"],
                             "edits_per_s": r["edits_per_s"], "lag_max": r["lag_max"]})
                say(f"  soak minute {len(rows)}: p99 {r['p99']:.1f} ms, RSS {r['rss_mib']:.1f} MiB, dropped {r['dropped']}")
        finally:
            if clients:
                clients.close()
            server.stop()
    m = machine()
    warm = rows[min(4, len(rows) - 1)]["rss_mib"] if rows else 0
    last = rows[-1]["rss_mib"] if rows else 0
    lines = [f"# Soak: {minutes:g} minutes, 25 boards × 40 sockets (1,000), {rate:g} edits/s per board "
             f"({25 * rate:g} edits/s)", "",
             "A load this process can sustain on this machine (the target 125 edits/s overloads it: see "
             "README.md), so that growth means a leak, not a backlog.", "",
             f"{m['date']}, commit `{m['commit']}`, {m['cpu']}, {m['cores']} cores. RSS after minute 5: {warm:.1f} MiB, "
             f"at the end: {last:.1f} MiB (growth {last - warm:+.1f} MiB). Dropped in total: {sum(r['dropped'] for r in rows)}.", "",
             "| minute | edits/s | p50 ms | p99 ms | dropped | loop lag max ms | server CPU | RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['minute']} | {r['edits_per_s']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['dropped']} | {r['lag_max']:.0f} | "
              f"{r['server_cpu']:.0f}% | {r['rss_mib']:.1f} |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    (PERF_DIR / "soak-latest.md").write_text(text)
    (PERF_DIR / "soak-latest.json").write_text(json.dumps({"machine": m, "rows": rows}, indent=1, default=str))
