"""The orchestrator of `make bench` / `make soak`: servers, client processes, steps, the table.

Everything talks to 127.0.0.1 only, every loop is bounded in count and time, and the
run stops by itself. Each server is one uvicorn process (as `make run`), measured from
outside (psutil: CPU, RSS) and from inside (event-loop lag, `bench.probe`).
The scale-out rows (bench/cluster.py) run several app processes on PostgreSQL instead.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
import psutil

from bench import export
from bench.client import worker_main

ROOT = Path(__file__).resolve().parent.parent
PERF_DIR = ROOT / "docs" / "perf"

# Fixed in advance: a sweep step "breaks" when any of these is crossed.
BREAK_P99_MS = 250.0
BREAK_LAG_MS = 100.0

# As `make run` (Makefile: UVICORN_FLAGS).
UVICORN_FLAGS = ["--ws-max-size", "65536", "--ws-per-message-deflate", "false", "--proxy-headers"]

# The targets of issue 11 (2 cores, embedded default, one process).
TARGET = {"boards": 25, "people": 40, "rate": 5.0}


@dataclass
class Config:
    quick: bool = False
    workers: int = 2
    reps: int = 3
    step_s: float = 15.0  # target, slow reader
    sweep_s: float = 8.0
    board_steps: tuple[int, ...] = (5, 10, 25, 40, 50)
    rate_steps: tuple[float, ...] = (5, 10, 15, 20, 30)  # per board, at 25 boards
    relay_rate_steps: tuple[float, ...] = (10, 15, 20, 30, 40)
    page_cards: tuple[int, ...] = (100, 300)
    profile: bool = True

    @classmethod
    def quick_run(cls) -> "Config":
        return cls(quick=True, reps=1, step_s=5, sweep_s=4, board_steps=(5, 25), rate_steps=(10,),
                   relay_rate_steps=(10,), page_cards=(100,), profile=False)


# -- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`uvicorn bench.probe:<factory>` in its own process, with the flags of `make run`."""

    def __init__(self, factory: str, data_dir: Path) -> None:
        self.factory = factory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Server":
        env = {**os.environ, "SESSIONS_DIR": str(self.data_dir / "sessions"), "EXPORTS_DIR": str(self.data_dir / "exports"),
               "SECRET_KEY": "bench-secret",
               # The harness fills boards as one client (the board pages of 100/300 cards, the PDF
               # boards of up to 1,000 cards in bench/export.py) as fast as the server answers; the
               # per-participant limit on changes (5/s, bursts of 40: app/config.py) would answer 429.
               # The load steps spread their edits over 40 participants and stay far below it anyway.
               "MUTATIONS_PER_SECOND": "100000", "MUTATION_BURST": "100000",
               # 1,000 cards is exactly the default `max_cards_per_board` (a board takes its 1,000th
               # card, not its 1,001st): set explicitly, so the largest PDF board fits whatever the default.
               "MAX_CARDS_PER_BOARD": str(max(export.CARDS))}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / f"{self.factory}.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"bench.probe:{self.factory}", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), *UVICORN_FLAGS, "--log-level", "warning",
             "--backlog", "4096", *os.environ.get("BENCH_UVICORN_ARGS", "").split()],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.factory} server exited: {(self.data_dir / (self.factory + '.log')).read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/__bench/lag", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("server did not start")
        self.ps = psutil.Process(self.proc.pid)
        return self

    def lag(self) -> dict:
        return httpx.get(self.url + "/__bench/lag", timeout=30).json()

    def cpu_s(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def rss_mib(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- client processes -----------------------------------------------------------------------------


class Clients:
    def __init__(self, kind: str, server: Server, workers: int, people: int, pad: int = 0, urls: list[str] | None = None) -> None:
        """`urls`: several app processes, participants spread over them (bench/cluster.py)."""
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, kind, urls or server.url, people, pad), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.ps = [psutil.Process(p.pid) for p in self.procs]

    def owner(self, board: int) -> int:
        return board % len(self.pipes)

    def call(self, command: str, per_worker: list[dict | None], timeout: float = 900) -> list[dict]:
        """Send a command to the workers that have work (kwargs not None) and wait for all answers."""
        return self.collect(command, self.send(command, per_worker), timeout)

    def send(self, command: str, per_worker: list[dict | None]) -> list[int]:
        """Start a command on the workers that have work; `collect` waits for their answers."""
        busy = [i for i, kw in enumerate(per_worker) if kw is not None]
        for i in busy:
            self.pipes[i].send((command, per_worker[i]))
        return busy

    def collect(self, command: str, busy: list[int], timeout: float = 900) -> list[dict]:
        results = []
        for i in busy:
            if not self.pipes[i].poll(timeout):
                raise RuntimeError(f"client {i} did not answer {command} in {timeout}s")
            result = self.pipes[i].recv()
            if "error" in result:
                raise RuntimeError(result["error"])
            results.append(result)
        return results

    def by_board(self, boards: list[int], **kwargs) -> list[dict | None]:
        split: list[list[int]] = [[] for _ in self.pipes]
        for b in boards:
            split[self.owner(b)].append(b)
        return [({**kwargs, "boards": s} if s else None) for s in split]

    def all(self, **kwargs) -> list[dict]:
        return [dict(kwargs) for _ in self.pipes]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("close", self.all(), timeout=60)
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


# -- measuring ------------------------------------------------------------------------------------


def pct(sorted_values, q: float) -> float:
    if not sorted_values:
        return float("nan")
    return float(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))])


@dataclass
class Bench:
    kind: str  # "app" or "relay"
    server: Server
    clients: Clients
    people: int = TARGET["people"]
    active: list[int] = field(default_factory=list)

    def boards(self, n: int, connect: bool = True) -> None:
        """Exactly boards 0..n-1 joined and (with `connect`) connected; the others' sockets closed."""
        self.connect(list(range(n)), connect)

    def connect(self, want: list[int], connect: bool = True) -> None:
        """Exactly these boards joined and (with `connect`) connected; the others' sockets closed."""
        t = time.monotonic()
        self.clients.call("ensure_boards", self.split(want))
        if connect:
            self.clients.call("activate", self.split(want))
        self.active = want
        say(f"  {self.kind}: {len(want)} boards {'connected' if connect else 'joined'} ({time.monotonic() - t:.0f}s)")

    def split(self, boards: list[int]) -> list[dict]:
        """The `indexes` argument for each client process: the boards it owns."""
        split: list[list[int]] = [[] for _ in self.clients.pipes]
        for b in boards:
            split[self.clients.owner(b)].append(b)
        return [{"indexes": s} for s in split]

    def step(self, mode: str = "load", rate: float = TARGET["rate"], duration: float = 10.0, boards: list[int] | None = None,
             watch: list[int] = ()) -> dict:
        """One step on `boards` (the active ones by default); `watch`: boards whose latencies are also
        reported apart, as watched_p50/p99."""
        boards = self.active if boards is None else boards
        self.server.lag()  # reset
        cpu0, t0 = self.server.cpu_s(), time.monotonic()
        ccpu0 = sum(p.cpu_times().user + p.cpu_times().system for p in self.clients.ps)
        start = time.monotonic() + 0.5
        results = self.clients.call("step", self.clients.by_board(boards, mode=mode, rate=rate, duration=duration, start=start,
                                                                  watch=list(watch)))
        wall = time.monotonic() - t0
        cpu = self.server.cpu_s() - cpu0
        ccpu = sum(p.cpu_times().user + p.cpu_times().system for p in self.clients.ps) - ccpu0
        lag = self.server.lag()
        lat, watched, http = array("f"), array("f"), array("f")
        for r in results:
            lat.frombytes(r["latencies"])
            watched.frombytes(r["watched"])
            http.frombytes(r["http_ms"])
        lat_s, watched_s, http_s = sorted(lat), sorted(watched), sorted(http)
        edits = sum(r["edits"] for r in results)
        return {
            "boards": len(boards), "rate": rate, "edits": edits, "edits_per_s": edits / duration if mode != "burst" else edits,
            "deliveries": len(lat), "p50": pct(lat_s, 0.5), "p95": pct(lat_s, 0.95), "p99": pct(lat_s, 0.99),
            "max": float(lat_s[-1]) if lat_s else float("nan"), "http_p50": pct(http_s, 0.5), "http_p99": pct(http_s, 0.99),
            "dropped": sum(r["dropped"] for r in results), "late": sum(r["late"] for r in results),
            "errors": sum(r["errors"] for r in results), "closed": sum(r["closed"] for r in results),
            "msg_bytes": sum(r["bytes"] for r in results) / max(1, sum(r["messages"] for r in results)),
            "server_cpu": 100 * cpu / wall, "client_cpu": 100 * ccpu / wall,
            "client_lag_max": max(r["client_lag_max_ms"] for r in results),
            "server_ms_per_edit": 1000 * cpu / max(1, edits), "lag_p99": lag["p99_ms"], "load1": os.getloadavg()[0], "lag_max": lag["max_ms"], "rss_mib": self.server.rss_mib(),
            "gc_full": lag.get("gc_full", 0), "gc_full_max_ms": lag.get("gc_full_max_ms", 0.0),
            "watched_p50": pct(watched_s, 0.5), "watched_p99": pct(watched_s, 0.99), "watched_n": len(watched),
        }

    def repeat(self, label: str, reps: int, **kw) -> dict:
        runs = []
        for i in range(reps):
            r = self.step(**kw)
            runs.append(r)
            say(f"  {self.kind} {label} #{i + 1}: {brief(r)}")
            time.sleep(0.5)
        return summarise(label, runs)

    def idle_memory(self) -> dict:
        """Server RSS per idle connection. Round 1: the first sockets ever (the boards are joined,
        nothing connected yet). Rounds 2 and 3 close every socket and open them again: RSS that
        keeps rising there is a leak."""
        rounds = []
        n = len(self.active) * self.people
        for i in range(3):
            if i:
                self.clients.call("activate", self.split([]))
            time.sleep(2)
            before = self.server.rss_mib()
            self.clients.call("activate", self.split(self.active))
            time.sleep(3)
            after = self.server.rss_mib()
            rounds.append({"before_mib": before, "after_mib": after, "sockets": n, "kib_per_conn": (after - before) * 1024 / n})
        say(f"  {self.kind} idle memory: " + ", ".join(f"{r['kib_per_conn']:.1f} KiB/conn (RSS {r['before_mib']:.0f} → "
                                                    f"{r['after_mib']:.0f} MiB)" for r in rounds))
        return {"rounds": rounds, "kib_per_conn": rounds[0]["kib_per_conn"], "growth_mib": rounds[-1]["after_mib"] - rounds[0]["after_mib"]}

    def sweep(self, label: str, steps: list[tuple[int, float]], reps: int, duration: float) -> list[dict]:
        """Raise the load step by step; stop at the first step that breaks a threshold."""
        out = []
        for boards, rate in steps:
            if len(self.active) != boards:
                self.boards(boards)
                time.sleep(3)  # let the presence broadcasts of (dis)connecting sockets pass
            runs = []
            for i in range(reps):
                r = self.step(rate=rate, duration=duration)
                runs.append(r)
                say(f"  {self.kind} sweep {boards}x{rate:g}/s #{i + 1}: {brief(r)}")
                if broken(r):
                    break
                time.sleep(0.5)
            s = summarise(f"{boards} boards x {rate:g}/s", runs)
            s["broke"] = next((broken(r) for r in runs if broken(r)), "")
            out.append(s)
            if s["broke"]:
                break
        return out


def broken(r: dict) -> str:
    why = []
    if r["p99"] > BREAK_P99_MS:
        why.append(f"p99 {r['p99']:.0f} ms > {BREAK_P99_MS:.0f}")
    if r["dropped"] or r["errors"] or r["closed"]:
        why.append(f"{r['dropped']} dropped, {r['errors']} failed edits, {r['closed']} sockets closed")
    if r["lag_max"] > BREAK_LAG_MS:
        why.append(f"loop lag {r['lag_max']:.0f} ms > {BREAK_LAG_MS:.0f}")
    return "; ".join(why)


def summarise(label: str, runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], (int, float))}
    med.update(label=label, reps=len(runs), p99_min=min(r["p99"] for r in runs), p99_max=max(r["p99"] for r in runs),
               p50_min=min(r["p50"] for r in runs), p50_max=max(r["p50"] for r in runs),
               dropped_total=sum(r["dropped"] for r in runs), late_total=sum(r["late"] for r in runs),
               errors_total=sum(r["errors"] for r in runs), closed_total=sum(r["closed"] for r in runs), runs=runs)
    return med


def brief(r: dict) -> str:
    return (f"{r['edits_per_s']:.0f} edits/s p50 {r['p50']:.1f} p95 {r['p95']:.1f} p99 {r['p99']:.1f} ms, "
            f"dropped {r['dropped']} late {r['late']} err {r['errors']}, server CPU {r['server_cpu']:.0f}% "
            f"client CPU {r['client_cpu']:.0f}%, {r['server_ms_per_edit']:.1f} ms server CPU/edit, lag max {r['lag_max']:.0f} ms, "
            f"{r.get('gc_full', 0)} full GCs (longest {r.get('gc_full_max_ms', 0):.0f} ms)")


START = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - START:6.0f}s] {text}", flush=True)


# -- the whole run --------------------------------------------------------------------------------


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_speed() -> float:
    """CPU seconds for ten million additions in a Python loop: the same host type has been seen
    ~2.5 times slower on one day than another, so runs of different days compare only with it."""
    t, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return round(time.process_time() - t, 2)


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "speed_s": cpu_speed(), "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(), "kernel": platform.release(), "commit": commit,
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_before": os.getloadavg()}


def run_app(cfg: Config, data: Path, results: dict) -> None:
    server = Server("app", data / "app").start()
    clients = None
    try:
        clients = Clients("app", server, cfg.workers, TARGET["people"])
        bench = Bench("app", server, clients)
        say("app: joining 25 boards x 40 participants over HTTP")
        bench.boards(TARGET["boards"], connect=False)
        results["app_memory"] = bench.idle_memory()
        profile = start_profile(server, cfg.step_s + 3, "target") if cfg.profile else None
        results["app_target"] = bench.repeat("target", cfg.reps, rate=TARGET["rate"], duration=cfg.step_s)
        finish_profile(profile, results)
        results["app_burst"] = bench.repeat("burst", cfg.reps, mode="burst", boards=[0])
        results["app_slow"] = slow_reader(bench, cfg)
        results["app_storm"] = reconnect_storm(bench, cfg)
        board_steps = [(b, TARGET["rate"]) for b in cfg.board_steps]
        results["app_sweep_boards"] = bench.sweep("boards", board_steps, cfg.reps, cfg.sweep_s)
        rate_steps = [(TARGET["boards"], r) for r in cfg.rate_steps]
        results["app_sweep_rate"] = bench.sweep("rate", rate_steps, cfg.reps, cfg.sweep_s)
        bench.boards(TARGET["boards"])
        results["app_pages"] = pages(clients, cfg)
        results["app_export"] = export.measure(server, cfg, bench)
        results["app_rss_end_mib"] = server.rss_mib()
    finally:
        if clients:
            clients.close()
        server.stop()


def run_relay(cfg: Config, data: Path, results: dict, pad: int) -> None:
    server = Server("relay", data / "relay").start()
    clients = None
    try:
        clients = Clients("relay", server, cfg.workers, TARGET["people"], pad=pad)
        bench = Bench("relay", server, clients)
        bench.boards(TARGET["boards"], connect=False)
        results["relay_memory"] = bench.idle_memory()
        results["relay_target"] = bench.repeat("target", cfg.reps, rate=TARGET["rate"], duration=cfg.step_s)
        results["relay_burst"] = bench.repeat("burst", cfg.reps, mode="burst", boards=[0])
        results["relay_sweep_rate"] = bench.sweep("rate", [(TARGET["boards"], r) for r in cfg.relay_rate_steps],
                                                  cfg.reps, cfg.sweep_s)
    finally:
        if clients:
            clients.close()
        server.stop()


def slow_reader(bench: Bench, cfg: Config) -> dict:
    """The target load with one participant of board 0 whose phone stops reading."""
    runs, stalls = [], []
    for i in range(cfg.reps):
        bench.clients.call("stall", [{"index": 0} if w == bench.clients.owner(0) else None for w in range(cfg.workers)])
        r = bench.step(rate=TARGET["rate"], duration=cfg.step_s)
        stalls += bench.clients.call("unstall", [{} if w == bench.clients.owner(0) else None for w in range(cfg.workers)])
        runs.append(r)
        say(f"  app slow reader #{i + 1}: {brief(r)}; stalled socket: {stalls[-1]['stalled']}")
        time.sleep(0.5)
    s = summarise("slow reader", runs)
    s["stalled"] = [x for st in stalls for x in st["stalled"]]
    return s


def reconnect_storm(bench: Bench, cfg: Config) -> list[dict]:
    """The 40 phones of board 0 come back at once from a Wi-Fi blip, 20 changes behind (the
    other boards idle): time until every one is caught up, and states older than held."""
    owner = bench.clients.owner(0)
    runs = []
    for i in range(cfg.reps):
        r = bench.clients.call("storm", [{"index": 0, "behind": 20} if w == owner else None for w in range(cfg.workers)])[0]
        runs.append(r)
        say(f"  app reconnect storm #{i + 1}: {r['caught_up']}/{r['sockets']} caught up, p50 {_ms(r['p50_ms'])}, "
            f"max {_ms(r['max_ms'])}; {r['older']} older states, {r['errors']} failed edits")
        time.sleep(0.5)
    return runs


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def pages(clients: Clients, cfg: Config) -> list[dict]:
    out = []
    for n in cfg.page_cards:
        r = clients.call("page", [{"index": n, "cards": n, "repeat": 15}] + [None] * (cfg.workers - 1))[0]
        ms = sorted(r["ms"][3:])  # the first requests warm the caches
        out.append({"cards": r["cards"], "bytes": r["bytes"], "p50": pct(ms, 0.5), "min": ms[0], "max": ms[-1]})
        say(f"  page with {r['cards']} cards: {r['bytes']} bytes, GET p50 {pct(ms, 0.5):.1f} ms")
    return out


# -- profiling ------------------------------------------------------------------------------------


def start_profile(server: Server, seconds: float, name: str):
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        say("  (py-spy not installed: no profile)")
        return None
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    out = PERF_DIR / f"profile-{name}.txt"
    proc = subprocess.Popen([spy, "record", "--pid", str(server.proc.pid), "--duration", str(int(seconds)), "--rate", "200",
                             "--gil", "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, out, name


def finish_profile(profile, results: dict) -> None:
    if profile is None:
        return
    proc, out, name = profile
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=120)
    if proc.poll() is None:
        proc.kill()
    if out.exists():
        from bench.profile import summarise_collapsed

        summary = summarise_collapsed(out.read_text())
        (PERF_DIR / f"profile-{name}.md").write_text(summary)
        results.setdefault("profiles", []).append(f"docs/perf/profile-{name}.md")
        say(f"  profile: docs/perf/profile-{name}.md")


# -- the report -----------------------------------------------------------------------------------


def render_saved(path: str, update_readme: bool = True) -> None:
    """Render the table of a saved run again (after a change to the report only)."""
    from bench.report import render, update_readme as update

    table = render(json.loads(Path(path).read_text()))
    print(table)
    (PERF_DIR / "latest.md").write_text(table)
    if update_readme:
        update(ROOT / "README.md", table)


def main(cfg: Config, update_readme: bool = True) -> dict:
    raise_open_files()
    results: dict = {"machine": machine(), "config": {k: v for k, v in vars(cfg).items()}}
    deadline = time.monotonic() + 40 * 60  # a hard stop, whatever happens
    with tempfile.TemporaryDirectory(prefix="zl-bench-") as tmp:
        data = Path(tmp)
        say("app server: the real app, SQLite + in-memory channels, one process")
        run_app(cfg, data, results)
        pad = int(results["app_target"]["msg_bytes"])
        if time.monotonic() < deadline:
            say(f"bare relay: the same fan-out, no database, no rendering ({pad}-byte messages, as the app's)")
            run_relay(cfg, data, results, pad)
        from bench import cluster

        if time.monotonic() < deadline:
            say("scale-out: broadcast latency with two app processes beside one (PostgreSQL + Redis / LISTEN/NOTIFY)")
            results["cluster"] = cluster.run(cfg, data, deadline)
            if time.monotonic() < deadline:
                say("failover: one of two processes killed mid-load (PostgreSQL + Redis)")
                results["cluster"]["failover"] = cluster.failover(cfg, data)
        else:
            results["cluster"] = {"rows": [], "note": "not run: the 40-minute deadline had passed"}
    results["machine"]["load_after"] = os.getloadavg()
    slim = json.loads(json.dumps(results, default=str))
    for v in slim.values():
        if isinstance(v, dict):
            v.pop("runs", None)
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    (PERF_DIR / ("quick.json" if cfg.quick else "latest.json")).write_text(json.dumps(slim, indent=1, default=str))
    from bench.report import render

    table = render(results)
    print(table)
    if not cfg.quick:
        PERF_DIR.mkdir(parents=True, exist_ok=True)
        (PERF_DIR / "latest.md").write_text(table)
        if update_readme:
            from bench.report import update_readme as update

            update(ROOT / "README.md", table)
    return results
