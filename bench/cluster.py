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
from pathlib import Path

import psutil

from bench.report import ONE_PROCESS, TWO_PROCESSES, TWO_PROCESSES_NOTIFY
from bench.run import Bench, Clients, brief, say, summarise

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
