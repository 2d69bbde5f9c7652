"""The table of a bench run (Markdown), and the README block that shows the latest one."""

from __future__ import annotations

import math
from pathlib import Path

from bench.export import NOT_YET

# The labels of bench/cluster.py's rows (not imported from there: rendering a saved run needs no services).
ONE_PROCESS = "1 process (PostgreSQL + Redis)"
TWO_PROCESSES = "2 processes (PostgreSQL + Redis)"
TWO_PROCESSES_NOTIFY = "2 processes (PostgreSQL LISTEN/NOTIFY)"

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _f(x: float, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _load_row(name: str, s: dict | None) -> str:
    if not s:
        return f"| {name} | not run |" + " |" * 12
    return (f"| {name} | {s['boards']:.0f}×40 | {s['edits_per_s']:.0f} | {_f(s['p50'])} | {_f(s['p95'])} | "
            f"{_f(s['p99'])} ({_f(s['p99_min'])}–{_f(s['p99_max'])}) | {s['dropped_total']:.0f} / {s['late_total']:.0f} | "
            f"{s['server_cpu']:.0f}% ({_f(s['server_ms_per_edit'])} ms/edit) | {s['client_cpu']:.0f}% | {_f(s['lag_max'], 0)} | "
            f"{_f(s['msg_bytes'], 0)} | {s['rss_mib']:.0f} | {_f(s.get('load1'), 1)} |")


def _check(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def render(r: dict) -> str:
    m = r["machine"]
    speed = f" (10M-addition loop: {m['speed_s']:.2f} CPU s)" if m.get("speed_s") else ""
    out = [f"Run of {m['date']} on commit `{m['commit']}`: {m['cpu']}{speed}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
           f"Python {m['python']}, Linux {m['kernel']}. Load average before/after: "
           f"{m['load_before'][0]:.2f} / {m['load_after'][0]:.2f} (other work on the machine shares the cores). "
           f"Each row: median of {r['config']['reps']} runs; p99 spread in brackets. Latency = from the moment an "
           "edit was scheduled to its arrival on each socket of the board (every participant). Dropped = not "
           "delivered within 30 s after the step's last edit. Server CPU per edit is the figure least disturbed "
           "by other load (see docs/perf/README.md).", ""]
    out += ["| scenario | boards × sockets | edits/s | p50 ms | p95 ms | p99 ms (spread) | dropped / late >250 ms | "
            "server CPU (per edit) | client CPU | loop lag max ms | bytes/msg | server RSS MiB | load avg |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    out.append(_load_row("app, target (5 edits/s per board)", r.get("app_target")))
    out.append(_load_row("bare relay, same load", r.get("relay_target")))
    out.append(_load_row("app, burst: 40 edits at once, 1 board", r.get("app_burst")))
    out.append(_load_row("bare relay, same burst", r.get("relay_burst")))
    out.append(_load_row("app, target + 1 stalled phone", r.get("app_slow")))
    out.append("")
    # Memory
    am, rm = r.get("app_memory"), r.get("relay_memory")
    out += ["| memory | app | bare relay |", "|---|---:|---:|"]
    if am and rm:
        out.append(f"| server RSS per idle connection (1,000 sockets) | {am['kib_per_conn']:.1f} KiB | {rm['kib_per_conn']:.1f} KiB |")
        a_rounds = " → ".join(f"{x['after_mib']:.0f}" for x in am["rounds"])
        r_rounds = " → ".join(f"{x['after_mib']:.0f}" for x in rm["rounds"])
        out.append(f"| RSS with 1,000 idle sockets, rounds 1→3 (all closed and reopened) | {a_rounds} MiB | {r_rounds} MiB |")
    out.append("")
    # Sweep
    out += ["Stepped sweep (thresholds fixed in advance: p99 > 250 ms, any dropped message or failed edit, "
            "or server event-loop lag > 100 ms). A step breaks when any of its runs does; the sweep stops there.", "",
            "| sweep | step | edits/s | p50 ms | p99 ms (spread) | dropped | loop lag max ms | server CPU (per edit) | client CPU | load avg | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key, name in (("app_sweep_boards", "app: boards at 5/s"), ("app_sweep_rate", "app: rate at 25 boards"),
                      ("relay_sweep_rate", "relay: rate at 25 boards")):
        for s in r.get(key) or []:
            out.append(f"| {name} | {s['label']} | {s['edits_per_s']:.0f} | {_f(s['p50'])} | {_f(s['p99'])} "
                       f"({_f(s['p99_min'])}–{_f(s['p99_max'])}) | {s['dropped_total']:.0f} | {_f(s['lag_max'], 0)} | "
                       f"{s['server_cpu']:.0f}% ({_f(s['server_ms_per_edit'])} ms) | {s['client_cpu']:.0f}% | {_f(s.get('load1'), 1)} | "
                       f"{('broke: ' + s['broke']) if s['broke'] else 'ok'} |")
    out.append("")
    # Pages and export
    out += ["| board page | bytes | GET p50 ms (min–max), client-observed |", "|---|---:|---:|"]
    for p in r.get("app_pages") or []:
        out.append(f"| {p['cards']} cards | {p['bytes']:,} | {_f(p['p50'])} ({_f(p['min'])}–{_f(p['max'])}) |")
    out.append("")
    out += _export(r.get("app_export") or {})
    out.append("")
    out += _cluster(r.get("cluster"))
    out += failover_table((r.get("cluster") or {}).get("failover"))
    out += _targets(r)
    if r.get("profiles"):
        out += ["", "Profiles: " + ", ".join(f"[{p.rsplit('/', 1)[1]}]({p})" for p in r["profiles"])]
    return "\n".join(out) + "\n"


def _during_row(label: str, d: dict) -> str:
    exports = f"{d['exports_total']:.0f} in {d['steps_s']:.0f} s ({_f(d['export_ms_p50'], 0)})" if d["exports_total"] else "–"
    errors = f"; export errors: {len(d['export_errors'])}" if d.get("export_errors") else ""
    return (f"| {label} | {_f(d['p50'])} / {_f(d['p99'])} ({_f(d['p99_min'])}–{_f(d['p99_max'])}) | "
            f"{_f(d['watched_p50'])} / {_f(d['watched_p99'])} | {d['dropped_total']:.0f} | {exports}{errors} |")


def _export(ex: dict) -> list[str]:
    from bench.export import TARGETS_MS

    out = ["PDF export, as the facilitator's browser asks for it (a job for the warm worker process, its status polled "
           "every 25 ms, then the download), of boards with realistic card texts: every fourth card tagged, every "
           "eighth with a follow-up (bench/export.py; `make bench-export` runs this step alone). Worker peak = the RSS "
           "of the worker process at its highest; server + worker = the server's RSS with its children above what it "
           "was before (the server's own part moves with the load of the boards still connected).", "",
           "| PDF export | time ms (median; min–max) | target ms | worker peak RSS MiB (max) | server + worker MiB (max) |",
           "|---|---:|---:|---:|---:|"]
    for row in ex.get("rows", []):
        target = TARGETS_MS.get(row["cards"], "–")
        if row.get("status") == "ok":
            ms = row["ms"]
            out.append(f"| {row['cards']:,} cards ({row['bytes']:,} bytes) | {_f(ms[len(ms) // 2], 0)} ({_f(ms[0], 0)}–{_f(ms[-1], 0)}) | "
                       f"{target} | {_f(max(row.get('worker_mib') or [float('nan')]))} | {_f(max(row['peak_mib']))} |")
        else:
            status = (row.get("status") or NOT_YET).replace("|", "/").replace("\n", " ")
            out.append(f"| {row['cards']:,} cards | {status} | {target} | {status} | {status} |")
    out += ["", "Broadcast latency while a board of 300 cards is exported in a loop by its facilitator (each export "
            "a new job), that board and others taking 5 edits/s each from their 40 participants.", "",
            "| load | all boards p50 / p99 ms (p99 spread) | the exported board p50 / p99 ms | dropped | exports ended "
            "(each ms) |", "|---|---:|---:|---:|---:|"]
    held = ex.get("during_export_held", NOT_YET)
    if isinstance(held, dict):
        for key, what in (("alone", "no export"), ("exporting", "while it is exported")):
            out.append(_during_row(f"{held[key]['boards']:.0f} boards × 40 (a load this machine holds), {what}", held[key]))
    d = ex.get("during_export", NOT_YET)
    if isinstance(d, dict):
        out.append(_during_row(f"target load ({d['boards']:.0f}×40), while it is exported", d))
    if not isinstance(d, dict) or not isinstance(held, dict):
        out.append(f"| while a 300-card export runs | {d if not isinstance(d, dict) else held} | | | |")
    return out


def _cluster_row(s: dict) -> str:
    return (f"| {s['label']} | {s['boards']:.0f}×{s['people']:.0f} | {s['edits_per_s']:.0f} | "
            f"{_f(s['p50'])} ({_f(s['p50_min'])}–{_f(s['p50_max'])}) | {_f(s['p95'])} | "
            f"{_f(s['p99'])} ({_f(s['p99_min'])}–{_f(s['p99_max'])}) | {s['dropped_total']:.0f} / {s['late_total']:.0f} | "
            f"{s['errors_total']:.0f} | {s['server_cpu']:.0f}% ({_f(s['server_ms_per_edit'])} ms/edit) | "
            f"{_f(s.get('services_cpu'), 0)}% | {s['client_cpu']:.0f}% | {_f(s.get('load1'), 1)} |")


def _cluster(c: dict | None) -> list[str]:
    """Scale-out (bench/cluster.py): the same moderate load on one app process and on two."""
    if not c:
        return []
    caption = (f"Broadcast latency with two app processes beside one (issue 8; bench/cluster.py): the same stack for "
               f"each row (a fresh PostgreSQL database, the broker named), {c.get('load', '')}. Participant i of a board "
               "uses process i mod n for its edits and its socket, so with 2 processes every edit reaches half its "
               "board through the broker. Latency: edit scheduled → arrival on every socket of the board, where an edit "
               "has arrived with the first message whose `#board-seq` is at or past its number (a process renders "
               "another's changes from the event log, several to a message; same counting in every row). No PDF exports "
               "run meanwhile. App CPU: all app processes together (100% = one core); PostgreSQL + Redis beside it "
               "(all their processes on this machine). Dropped = not there 30 s after the last edit.")
    head = ["| processes | boards × sockets | edits/s | p50 ms (spread) | p95 ms | p99 ms (spread) | dropped / late >250 ms | "
            "failed edits | app CPU (per edit) | PostgreSQL + Redis CPU | client CPU | load avg |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    return _section(caption, c.get("note", ""), head, [_cluster_row(s) for s in c.get("rows") or []])


def _section(caption: str, note: str, head: list[str], rows: list[str]) -> list[str]:
    """A caption, what did not run (in italics), and the table when it has rows."""
    out = [caption, ""]
    if note:
        out += [f"*{note}*", ""]
    if rows:
        out += [*head, *rows, ""]
    return out


FAILOVER_CAPTION = "One of two processes killed mid-load"


def failover_table(f: dict | None) -> list[str]:
    """The kill of one of two processes (bench/cluster.py `failover`): one row per run. `f["machine"]`:
    set when the step ran alone (`make bench-failover`), so the table says when and on which commit."""
    if not f:
        return []
    machine = f.get("machine")
    when = (f" (`make bench-failover`, {machine['date']}, commit `{machine['commit']}`, 10M-addition loop "
            f"{machine.get('speed_s', float('nan')):.2f} CPU s, load average before/after "
            f"{machine['load_before'][0]:.2f} / {machine['load_after'][0]:.2f})") if machine else ""
    caption = (f"{FAILOVER_CAPTION}{when}: {f.get('load', '')}. A participant on the killed process moves to the other "
               "as a browser behind a load balancer would: its socket reopens at once, saying the last number it saw; an "
               "edit whose connection broke is sent again there. Lost = an acknowledged card missing from the board "
               "afterwards; caught up = the reopened socket holds every change acknowledged before it reopened; older = "
               "a message carrying a state older than one that socket already held; latency counts every participant's "
               "sockets, old and new.")
    head = ["| run | cards acknowledged | lost | not acknowledged after a retry | sockets moved | caught up | "
            "catch-up p50 / max ms after reopening | reopened ms after the kill (max) | older states | dropped | p50 / p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = [f"| {i} | {r['acked']} | {r['lost']} | {r['failed']} | {r['moved']} | {r['caught_up']} | "
            f"{_f(r['caught_p50'], 0)} / {_f(r['caught_max'], 0)} | {_f(r['reopen_max'], 0)} | {r['older']} | "
            f"{r['dropped']} | {_f(r['p50'])} / {_f(r['p99'])} |" for i, r in enumerate(f.get("runs") or [], 1)]
    return _section(caption, f.get("note", ""), head, rows)


def failover_met(f: dict | None) -> bool | None:
    runs = (f or {}).get("runs")
    if not runs:
        return None
    return all(not r["lost"] and r["caught_up"] == r["moved"] and (r["caught_max"] or 0) <= 1000 and not r["older"]
               for r in runs)


def _targets(r: dict) -> list[str]:
    """Issue 20's targets, each judged from this run."""
    t, rel, burst, slow = r.get("app_target"), r.get("relay_target"), r.get("app_burst"), r.get("app_slow")
    mem = r.get("app_memory")
    rows = ["| target | measured | |", "|---|---|---|"]
    if t:
        rows.append(f"| 25×40 at 125 edits/s: p99 < 50 ms, nothing dropped | p99 {_f(t['p99'])} ms, "
                    f"{t['dropped_total']:.0f} dropped, {t['errors_total']:.0f} failed | {_check(t['p99'] < 50 and not t['dropped_total'] and not t['errors_total'])} |")
    if t and rel:
        ratio = t["server_ms_per_edit"] / rel["server_ms_per_edit"]
        rows.append(f"| at that load, server CPU per edit ≤ 3× the bare relay's | {_f(t['server_ms_per_edit'])} / "
                    f"{_f(rel['server_ms_per_edit'])} ms = {ratio:.1f}× (p50 {_f(t['p50'])} / {_f(rel['p50'])} ms) | {_check(ratio <= 3)} |")
    sweep = (r.get("app_sweep_boards") or []) + (r.get("app_sweep_rate") or [])
    if sweep:
        best = max((s["edits_per_s"] for s in sweep if not s["broke"]), default=0)
        broke = [s for s in sweep if s["broke"]]
        where = "; ".join(f"broke at {s['label']} ({s['edits_per_s']:.0f} edits/s: {s['broke']})" for s in broke) or "did not break"
        rows.append(f"| the stepped sweep breaks no earlier than 250 edits/s | held {best:.0f} edits/s; {where} | {_check(best >= 250)} |")
    if burst:
        rows.append(f"| burst of 40 on a board of 40: all delivered, p99 < 150 ms | p99 {_f(burst['p99'])} ms, "
                    f"{burst['dropped_total']:.0f} dropped | {_check(burst['p99'] < 150 and not burst['dropped_total'])} |")
    if slow and t:
        rise = slow["p99"] - t["p99"]
        overloaded = t["p99"] > 250
        rows.append(f"| a stalled phone raises the others' p99 by ≤ 10 ms | {rise:+.1f} ms ({_f(t['p99'])} → {_f(slow['p99'])})"
                    f"{'; not measurable: the target step itself is overloaded' if overloaded else ''} | "
                    f"{'n/a' if overloaded else _check(rise <= 10)} |")
    storm = r.get("app_storm")
    if storm:
        worst = max((x["max_ms"] or float("inf")) for x in storm)
        whole = all(x["caught_up"] == x["sockets"] for x in storm)
        older = sum(x["older"] for x in storm)
        rows.append(f"| 40 phones of one board reconnect at once, 20 changes behind: all caught up within 1 s, no older "
                    f"state | {len(storm)} runs: slowest socket {_f(worst)} ms, "
                    f"{'all' if whole else 'not all'} caught up, {older} older states | {_check(whole and worst <= 1000 and not older)} |")
    if mem:
        rows.append(f"| ≤ 40 KiB server memory per idle socket | {mem['kib_per_conn']:.1f} KiB | {_check(mem['kib_per_conn'] <= 40)} |")
    rows.append("| no memory growth over a 30-minute soak | `make soak`: see docs/perf/soak-latest.md | |")
    d = (r.get("app_export") or {}).get("during_export")
    held = (r.get("app_export") or {}).get("during_export_held")
    if isinstance(held, dict):
        busy, alone = held["exporting"], held["alone"]
        loaded = (f"; at the target load (25×40): p99 {_f(d['p99'])} ms, on the exported board {_f(d['watched_p99'])} ms"
                  if isinstance(d, dict) else "")
        rows.append(f"| 5 boards × 40 while a {busy['cards']:.0f}-card PDF export runs: p99 < 100 ms | p99 {_f(busy['p99'])} ms "
                    f"({_f(busy['p99_min'])}–{_f(busy['p99_max'])}), on the exported board {_f(busy['watched_p99'])} ms "
                    f"(without the export {_f(alone['p99'])} / {_f(alone['watched_p99'])}); {busy['dropped_total']:.0f} dropped, "
                    f"{busy['exports_total']:.0f} exports ended during it{loaded} | "
                    f"{_check(max(busy['p99'], busy['watched_p99']) < 100 and not busy['dropped_total'])} |")
    else:
        rows.append(f"| 5 boards × 40 while a 300-card PDF export runs: p99 < 100 ms | {held or d or NOT_YET} | n/a |")
    by = {s["label"]: s for s in ((r.get("cluster") or {}).get("rows") or [])}
    one, two = by.get(ONE_PROCESS), by.get(TWO_PROCESSES)
    if one and two:
        ratio = two["server_ms_per_edit"] / one["server_ms_per_edit"]
        rows.append(f"| two processes (PostgreSQL + Redis): app CPU per edit, both together, ≤ 1.2× one process's; p99 < 50 ms "
                    f"| {_f(two['server_ms_per_edit'])} / {_f(one['server_ms_per_edit'])} ms = {ratio:.2f}×; p99 "
                    f"{_f(one['p99'])} → {_f(two['p99'])} ms (p50 {_f(one['p50'])} → {_f(two['p50'])}), dropped "
                    f"{one['dropped_total']:.0f} → {two['dropped_total']:.0f} | {_check(ratio <= 1.2 and two['p99'] < 50)} |")
    f = (r.get("cluster") or {}).get("failover")
    if f:
        runs = f.get("runs") or []
        worst = max(((x["caught_max"] or float("inf")) for x in runs), default=None)
        rows.append(f"| one of two processes killed: no acknowledged edit lost, every moved socket caught up within 1 s of "
                    f"reopening, no older state | {len(runs)} runs: {sum(x['lost'] for x in runs)} lost, slowest catch-up "
                    f"{_f(worst, 0)} ms, {sum(x['older'] for x in runs)} older states{'; ' + f['note'] if f.get('note') else ''} | "
                    f"{_check(failover_met(f))} |")
    return rows


def update_readme(path: Path, table: str) -> None:
    text = path.read_text()
    if START not in text or END not in text:
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{table}{END}{tail}")
