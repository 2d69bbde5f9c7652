"""Scale-out in `make bench` (issue 8): the broadcast latency with two app processes beside one.

Each scenario starts its app processes with `tests.cluster.cluster` (uvicorn `app.main:create_app`
per process, a fresh PostgreSQL database, the broker named) and drives a moderate load with the
harness's client processes: BOARDS boards of PEOPLE participants, RATE edits/s per board. Participant
i of a board (0 = the facilitator) uses process i mod n for both its HTTP edits and its socket
(`bench.client.Target`), so with two processes half of every board hears an edit through the broker.
Latency is measured as everywhere in the harness: from the edit's scheduled time to its arrival on
every socket of the board.

The one-process row runs on the same stack (PostgreSQL + Redis), so the comparison is fair; the
SQLite rows of the main table are a different stack. Server CPU is the sum over the app processes;
PostgreSQL and Redis are measured beside it (all their processes on this machine, whoever uses them).
The app processes run without `bench.probe`, so there is no event-loop lag figure here.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from array import array
from collections import Counter
from pathlib import Path

import psutil

from bench.report import ONE_PROCESS, TWO_PROCESSES, TWO_PROCESSES_NOTIFY
from bench.run import Bench, Clients, brief, pct, say, summarise

BOARDS, PEOPLE, RATE = 5, 40, 5.0  # modest: 2 cores hold the app processes, PostgreSQL, Redis and the clients
SCENARIOS = [(ONE_PROCESS, 1, "redis"), (TWO_PROCESSES, 2, "redis"), (TWO_PROCESSES_NOTIFY, 2, "postgres")]
SERVICE_NAMES = ("postgres", "redis-server")
NAN = float("nan")


class ClusterServers:
    """What `bench.run.Bench` asks of its server (CPU, RSS, lag), over every app process of a cluster."""

    def __init__(self, c) -> None:
        self.url = c.urls[0]
        self.ps = [psutil.Process(s.proc.pid) for s in c.servers]

    def lag(self) -> dict:
        return {"p99_ms": NAN, "max_ms": NAN}  # no lag probe in these processes

    def cpu_s(self) -> float:
        return sum(t.user + t.system for t in (p.cpu_times() for p in self.ps))

    def rss_mib(self) -> float:
        return sum(p.memory_info().rss for p in self.ps) / 2**20


def service_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL and Redis process on this machine, by pid."""
    out = {}
    for proc in psutil.process_iter(["name"]):
        if (proc.info["name"] or "").startswith(SERVICE_NAMES):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                out[proc.pid] = t.user + t.system
    return out


def service_cpu_pct(before: dict[int, float], after: dict[int, float], wall: float) -> float:
    """% of one core; a process that started meanwhile counts whole, one that ended is lost."""
    if not after:
        return NAN
    return 100 * sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()) / wall


def scenario(label: str, processes: int, broker: str, cfg, data: Path) -> dict:
    from tests.cluster import cluster

    with cluster(processes, broker=broker, data_dir=data / f"cluster-{processes}-{broker}") as c:
        server = ClusterServers(c)
        clients = Clients("app", server, cfg.workers, PEOPLE, urls=c.urls)
        try:
            bench = Bench("cluster", server, clients, people=PEOPLE)
            say(f"  {label}: {BOARDS} boards x {PEOPLE} participants over {processes} process(es)")
            bench.boards(BOARDS)
            time.sleep(3)  # let the presence broadcasts of the connecting sockets pass
            runs = []
            for i in range(cfg.reps):
                s0, t0 = service_cpu(), time.monotonic()
                r = bench.step(rate=RATE, duration=cfg.step_s)
                r["services_cpu"] = service_cpu_pct(s0, service_cpu(), time.monotonic() - t0)
                r["people"] = PEOPLE
                runs.append(r)
                say(f"  {label} #{i + 1}: {brief(r)}; PostgreSQL + Redis CPU {r['services_cpu']:.0f}%")
                time.sleep(0.5)
        finally:
            clients.close()
    s = summarise(label, runs)
    s.update(processes=processes, broker=broker)
    return s


def failover_once(cfg, data: Path, rep: int) -> dict:
    """Two processes (PostgreSQL + Redis) under the moderate load of new cards; process 2 killed
    (kill -9) halfway through. Participants on it move to process 1 (`Worker.failover`)."""
    from tests.cluster import cluster

    with cluster(2, broker="redis", data_dir=data / f"failover-{rep}") as c:
        alive, dead = c.urls
        clients = Clients("app", ClusterServers(c), cfg.workers, PEOPLE, urls=c.urls)
        try:
            bench = Bench("failover", ClusterServers(c), clients, people=PEOPLE)
            bench.boards(BOARDS)
            time.sleep(3)  # let the presence broadcasts of the connecting sockets pass
            start = time.monotonic() + 0.5
            busy = clients.send("failover", clients.by_board(bench.active, rate=RATE, duration=cfg.step_s, start=start,
                                                             dead=dead, alive=alive))
            time.sleep(max(0.0, start + cfg.step_s / 2 - time.monotonic()))
            killed = time.monotonic()
            c.servers[1].kill()
            results = clients.collect("failover", busy)
        finally:
            clients.close()
    lat = array("f")
    for r in results:
        lat.frombytes(r["latencies"])
    lat_s = sorted(lat)
    moves = [m for r in results for m in r["moves"]]
    caught = sorted(m["caught_ms"] for m in moves if m["caught_ms"] is not None)
    reopen = sorted((m["reopened"] - killed) * 1000 for m in moves)
    out = {key: sum(r[key] for r in results) for key in ("edits", "acked", "lost", "failed", "retried", "dropped", "older",
                                                           "moved", "sockets")}
    failures = sum((Counter(r["failures"]) for r in results), Counter())
    out.update(failures=dict(failures), caught_up=len(caught), caught_p50=pct(caught, 0.5), caught_max=caught[-1] if caught else None,
               reopen_max=reopen[-1] if reopen else None, p50=pct(lat_s, 0.5), p99=pct(lat_s, 0.99))
    return out


def failover(cfg, data: Path) -> dict:
    """The kill of one of two processes, `cfg.reps` times (a fresh pair each time)."""
    from tests import services

    load = (f"{BOARDS} boards × {PEOPLE} participants adding cards at {RATE:g}/s per board for {cfg.step_s:g} s, half "
            f"of each board's participants on each process; the second process killed (kill -9) after {cfg.step_s / 2:g} s")
    for service in ("postgres", "redis"):
        if (services.postgres_admin_url() is None) if service == "postgres" else not services.redis_up():
            return {"runs": [], "note": f"Not run: {services.missing(service)}.", "load": load}
    runs = []
    for rep in range(cfg.reps):
        try:
            r = failover_once(cfg, data, rep)
        except Exception as exc:  # noqa: BLE001 - the other runs (and the run's results) still count
            say(f"  failover #{rep + 1} failed:\n{traceback.format_exc()}")
            return {"runs": runs, "note": f"Run {rep + 1} failed ({str(exc).splitlines()[0][:200] if str(exc) else repr(exc)}).",
                    "load": load}
        runs.append(r)
        say(f"  failover #{rep + 1}: {r['acked']} acknowledged, {r['lost']} lost, {r['failed']} failed after a retry {r['failures']}; "
            f"{r['caught_up']}/{r['moved']} moved sockets caught up, p50 {r['caught_p50']:.0f} ms, max {r['caught_max'] or 0:.0f} ms "
            f"after reopening (all reopened {r['reopen_max'] or 0:.0f} ms after the kill); {r['older']} older states; "
            f"{r['dropped']} dropped; p99 {r['p99']:.0f} ms")
    return {"runs": runs, "note": "", "load": load}


def run(cfg, data: Path, deadline: float) -> dict:
    """Every scenario that its services and the deadline allow; notes say what did not run."""
    from tests import services

    load = (f"{BOARDS} boards × {PEOPLE} participants at {RATE:g} edits/s per board, {cfg.reps} "
            f"run{'s' if cfg.reps > 1 else ''} of {cfg.step_s:g} s each")
    if services.postgres_admin_url() is None:
        note = f"Not run: {services.missing('postgres')}."
        say(f"  scale-out skipped: {note}")
        return {"rows": [], "note": note, "load": load}
    redis = services.redis_up()
    rows, notes = [], []
    for label, processes, broker in SCENARIOS:
        if broker == "redis" and not redis:
            notes.append(f"{label}: not run, {services.missing('redis')}.")
        elif time.monotonic() > deadline:
            notes.append(f"{label}: not run, the 40-minute deadline had passed.")
        else:
            try:
                rows.append(scenario(label, processes, broker, cfg, data))
                continue
            except Exception as exc:  # noqa: BLE001 - the other rows (and the run's results) still count
                say(f"  {label} failed:\n{traceback.format_exc()}")
                notes.append(f"{label}: failed ({str(exc).splitlines()[0][:200] if str(exc) else repr(exc)}).")
        say(f"  {notes[-1]}")
    return {"rows": rows, "note": " ".join(notes), "load": load}


def failover_main(cfg, update_readme: bool = True) -> dict:
    """This step alone (`make bench-failover`): its result goes into the saved run
    (docs/perf/latest.json) with its own date and commit, and the table is rendered again."""
    import json
    import os
    import tempfile

    from bench.run import PERF_DIR, machine, render_saved

    info = machine()
    with tempfile.TemporaryDirectory(prefix="zl-bench-failover-") as tmp:
        f = failover(cfg, Path(tmp))
    info["load_after"] = os.getloadavg()
    f["machine"] = info
    if not update_readme:  # a trial (--quick, --no-readme): print it, keep the saved run
        from bench.report import failover_table

        print("\n".join(failover_table(f)))
        return f
    saved = PERF_DIR / "latest.json"
    results = json.loads(saved.read_text())
    results.setdefault("cluster", {"rows": [], "note": "", "load": ""})["failover"] = f
    saved.write_text(json.dumps(results, indent=1, default=str))
    render_saved(str(saved))
    return f
