"""`make soak`: 1,000 sockets under a steady load for N minutes against one server; does memory grow?

Every minute: the p99 of that minute and the server's RSS. Python keeps the memory of a
backlog (a burst of slow minutes) as a high-water mark, so growth is judged twice: from
minute 5 (after warm-up) to the end, and over the second half only, where a leak keeps
climbing and a high-water mark stays flat.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.run import PERF_DIR, TARGET, Bench, Clients, Server, machine, raise_open_files, say


STEADY_CARDS = 300  # per board: filled to this first, then a new card for each one deleted
FILL_RATE = 4.0  # new cards per second per board while filling (100/s in all: within one core)


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
            # Boards of a steady size: otherwise they fill up over the run (45 % of edits are new
            # cards) and memory follows their content, not time. Filled first, as a workshop's
            # board is by its second hour; from then on adds and deletes balance.
            bench.clients.call("steady", bench.clients.all(cards=STEADY_CARDS, fill=True))
            fill = bench.step(rate=FILL_RATE, duration=STEADY_CARDS / FILL_RATE + 5)
            bench.clients.call("steady", bench.clients.all(cards=STEADY_CARDS))
            say(f"  soak: boards filled to ~{STEADY_CARDS} cards ({fill['edits']} edits, p99 {fill['p99']:.0f} ms)")
            end = time.monotonic() + minutes * 60
            while time.monotonic() < end - 30:
                r = bench.step(rate=rate, duration=55)
                rows.append({"minute": len(rows) + 1, "p50": r["p50"], "p99": r["p99"], "dropped": r["dropped"],
                             "errors": r["errors"], "rss_mib": r["rss_mib"], "server_cpu": r["server_cpu"],
                             "edits_per_s": r["edits_per_s"], "lag_max": r["lag_max"], "load1": r.get("load1")})
                say(f"  soak minute {len(rows)}: p99 {r['p99']:.1f} ms, RSS {r['rss_mib']:.1f} MiB, dropped {r['dropped']}")
        finally:
            if clients:
                clients.close()
            server.stop()
    saved = {"machine": machine(), "minutes": minutes, "rate": rate, "steady_cards": STEADY_CARDS, "rows": rows}
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    (PERF_DIR / "soak-latest.json").write_text(json.dumps(saved, indent=1, default=str))
    render(saved)


def render(saved: dict) -> str:
    m, rows, minutes, rate = saved["machine"], saved["rows"], saved.get("minutes", 30), saved.get("rate", 2.0)
    rss = [r["rss_mib"] for r in rows]
    warm = rss[min(4, len(rss) - 1)] if rss else 0.0
    half = rss[len(rss) // 2] if rss else 0.0
    last = rss[-1] if rss else 0.0
    lines = [f"# Soak: {minutes:g} minutes, 25 boards × 40 sockets (1,000), {rate:g} edits/s per board ({25 * rate:g} edits/s)", "",
             f"Boards of a steady size: each filled to {saved.get('steady_cards', STEADY_CARDS)} cards first, then a card deleted "
             "for each one that would make it larger (45 % new or deleted cards, 45 % edits, 10 % moves).", "",
             "A load one process can carry on this machine when it has a core to itself (the target's 125 edits/s "
             "overloads it: see README.md), so that growth would mean a leak, not a backlog.", "",
             f"{m['date']}, commit `{m['commit']}`, {m['cpu']}, {m['cores']} cores. RSS at minute 5: {warm:.1f} MiB; "
             f"halfway: {half:.1f} MiB; at the end: {last:.1f} MiB. Growth from minute 5: {last - warm:+.1f} MiB; "
             f"over the second half: {last - half:+.1f} MiB. Dropped in total: {sum(r['dropped'] for r in rows)}; "
             f"failed edits: {sum(r.get('errors', 0) for r in rows)}.", "",
             "| minute | edits/s | p50 ms | p99 ms | dropped | loop lag max ms | server CPU | RSS MiB | load avg |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['minute']} | {r['edits_per_s']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['dropped']} | {r['lag_max']:.0f} | "
              f"{r['server_cpu']:.0f}% | {r['rss_mib']:.1f} | {'–' if r.get('load1') is None else format(r['load1'], '.1f')} |"
              for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    (PERF_DIR / "soak-latest.md").write_text(text)
    return text
