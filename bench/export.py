"""The PDF export in the bench: time and peak memory per board size, and the broadcast latency
on a 300-card board (and the boards beside it) while its facilitator exports it.

`export_pdf` asks for the PDF exactly as the facilitator's browser does (the export panel of
the board page, app/templates/export_panel.html): `POST /w/<slug>/export/pdf` starts a job in a
worker process and answers with a `#pdf-status` fragment that polls `/w/<slug>/export/pdf/<job>`
(`hx-get`); when the job is done that fragment holds the `…/download` link. Here it is polled
every 25 ms (the browser: every second), so the time measured is the job's, not the poll's.
The clock starts at the POST (the click): the board page, whose CSRF token the click carries,
is already open in the facilitator's browser.
"""

from __future__ import annotations

import html
import re
import statistics
import threading
import time

import httpx

from bench.client import member_csrf

AVAILABLE = True
CARDS = (40, 300, 1000)
QUICK_CARDS = (40,)
DURING_CARDS = 300  # the board exported in a loop while the target load runs
HELD_BOARDS = 5  # ... and while a load runs that this machine holds (the sweep's first step)
# After sockets of hundreds of participants open or close, their presence changes are still being
# broadcast: a step started at once measures that queue (a first run of 12 s p99 at 5 boards did).
SETTLE_S = 8.0
NOT_YET = "not available yet"
SKIPPED_QUICK = "skipped in --quick"
POLL_S = 0.025
TIMEOUT_S = 300.0

HX = {"HX-Request": "true"}
STATUS_TAG = re.compile(r'<[a-z]+\b[^>]*\bid="pdf-status"[^>]*>', re.S)
HX_GET = re.compile(r'\bhx-get="([^"]+)"')
DOWNLOAD = re.compile(r'\bhref="([^"]+/download)"')
TAGS = re.compile(r"<[^>]+>")


class ExportError(RuntimeError):
    pass


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", fragment)).split())


def job_url(fragment: str) -> str:
    """The status URL that the `#pdf-status` element of the POST's answer polls."""
    tag = STATUS_TAG.search(fragment)
    found = HX_GET.search(tag.group(0)) if tag else None
    if not found:
        raise ExportError(f"no polling #pdf-status in the answer: {_text(fragment)[:300]!r}")
    return html.unescape(found.group(1))


def download_url(fragment: str) -> str | None:
    """The download link of a finished job; None while it runs; ExportError when it failed."""
    if (found := DOWNLOAD.search(fragment)) is not None:
        return html.unescape(found.group(1))
    tag = STATUS_TAG.search(fragment)
    if tag is None:
        raise ExportError(f"no #pdf-status in the answer: {_text(fragment)[:300]!r}")
    if HX_GET.search(tag.group(0)):
        return None  # still running: the element polls on
    raise ExportError(f"PDF export failed: {_text(fragment)[:300]!r}")


def csrf_headers(client: httpx.Client, slug: str) -> dict[str, str]:
    """Both CSRF tokens a board page hands htmx: the cookie's, and the one bound to this participant."""
    return {"x-csrftoken": client.cookies.get("csrftoken") or "", "x-zl-csrf": member_csrf(client.get(f"/w/{slug}").text)}


def export_pdf(client: httpx.Client, slug: str, timeout: float = TIMEOUT_S, headers: dict | None = None) -> bytes:
    """The PDF of this workshop, asked for as the facilitator's browser does; `client` holds the
    facilitator's cookies, `headers` the board page's CSRF tokens (fetched when not given).
    Raises ExportError when the job fails or takes longer than `timeout`."""
    headers = headers if headers is not None else csrf_headers(client, slug)
    r = client.post(f"/w/{slug}/export/pdf", headers={**headers, **HX})
    if r.status_code != 200:
        raise ExportError(f"POST export/pdf: HTTP {r.status_code}: {_text(r.text)[:300]!r}")
    status_url = job_url(r.text)
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(POLL_S)
        r = client.get(status_url, headers=HX)
        if r.status_code != 200:
            raise ExportError(f"GET {status_url}: HTTP {r.status_code}: {_text(r.text)[:300]!r}")
        if (link := download_url(r.text)) is not None:
            break
        if time.monotonic() > deadline:
            raise ExportError(f"PDF not ready after {timeout:.0f} s")
    r = client.get(link)
    if r.status_code != 200 or not r.content.startswith(b"%PDF"):
        raise ExportError(f"GET {link}: HTTP {r.status_code}, {r.headers.get('content-type')}, {r.content[:40]!r}")
    return r.content


class PeakRss:
    """Samples the server's RSS and its children's (the PDF worker) every 10 ms while a block runs:
    `peak` of the two together, `worker_peak` of the children alone."""

    def __init__(self, ps) -> None:
        self.ps, self.peak, self.worker_peak, self._stop = ps, 0, 0, threading.Event()

    def _rss(self) -> tuple[int, int]:
        children = 0
        for child in self.ps.children(recursive=True):
            try:
                children += child.memory_info().rss
            except Exception:  # noqa: BLE001 - a child may end between listing and reading
                pass
        return self.ps.memory_info().rss + children, children

    def __enter__(self) -> "PeakRss":
        self.base = self._rss()[0]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            total, children = self._rss()
            self.peak, self.worker_peak = max(self.peak, total), max(self.worker_peak, children)
            time.sleep(0.01)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join()


# What participants write: a few words to a few sentences, with Dutch diacritics; the PDF's time
# depends on the text it lays out, so "kaart 7" would understate it.
TEXTS = (
    "Cliënt merkt dat de medicatie-app niet opent",
    "Begeleider probeert het eerst zelf op te lossen, met de handleiding van vorig jaar erbij",
    "Tablet op de woongroep",
    "Geen vaste afspraak wie eerst helpt als de digicoach er niet is; iedereen doet het op zijn eigen manier",
    "Serviceverzoek indienen via het portaal van de leverancier (inlog alleen bij de applicatiebeheerder)",
    "Cliënt wacht op terugkoppeling en belt na twee dagen zelf opnieuw",
    "Oplossingen staan nergens beschreven: de kennis zit bij één collega op de avonddienst",
    "Telefoon of Teams-bericht",
    "Technisch Servicepunt maakt een reparatieafspraak op locatie, meestal binnen een week",
    "Naïeve vraag van de cliënt wordt niet serieus genomen; coördinatie tussen teams ontbreekt",
    "Zorgapp versie 4.2 op de gedeelde iPad; updates worden niet automatisch geïnstalleerd",
    "Analyse van het probleem door de applicatieondersteuner, daarna intern oplossen of doorzetten naar de leverancier. "
    "Terugkoppeling gaat via de teamleider, die het weer doorgeeft aan de begeleider van de cliënt.",
)
FOLLOWUP = {"note": "Afspraak vastleggen in het werkoverleg", "owner": "Fatima", "status": "open"}


def make_board(c: httpx.Client, title: str, cards: int) -> str:
    """A new workshop made by `c` (its facilitator), filled with `cards` cards (`fill_board`)."""
    h = {"x-csrftoken": c.cookies.get("csrftoken") or ""}
    r = c.post("/workshops", data={"title": title}, headers=h, follow_redirects=True)
    r.raise_for_status()
    slug = str(r.url).rstrip("/").rsplit("/", 1)[1]
    fill_board(c, slug, cards)
    return slug


def new_card(answer: str) -> int | None:
    """The id of the card an add answered: the answer is its whole cell, and ids only grow."""
    return max((int(x) for x in re.findall(r'data-card-id="(\d+)"', answer)), default=None)


def fill_board(c: httpx.Client, slug: str, cards: int) -> None:
    """Add cards with realistic texts until the board has `cards`, spread over its cells; every
    fourth tagged and every eighth with a follow-up, for the revisit list. `c`: its facilitator."""
    page = c.get(f"/w/{slug}").text
    h = {"x-csrftoken": c.cookies.get("csrftoken") or "", "x-zl-csrf": member_csrf(page)}
    phases = [int(x) for x in re.findall(r'class="phase" id="phase-(\d+)"', page)]
    lanes = [int(x) for x in re.findall(r'class="lane" id="lane-(\d+)"', page)]
    tags = list(dict.fromkeys(int(x) for x in re.findall(r'class="tag-toggle[^"]*" data-tag-id="(\d+)"', page)))
    if not (phases and lanes and tags):
        raise RuntimeError(f"board {slug} has no phases, lanes or tags to fill: {phases=} {lanes=} {tags=}")
    failed: dict[str, int] = {}

    def post(path: str, data: dict) -> httpx.Response:
        r = c.post(f"/w/{slug}{path}", headers={**h, **HX}, data=data)
        if r.status_code != 200:
            key = f"{path.rsplit('/', 1)[-1]} {r.status_code}"
            failed[key] = failed.get(key, 0) + 1
        return r

    for k in range(page.count('<article class="card'), cards):
        r = post("/cards", {"phase_id": phases[k % len(phases)], "lane_id": lanes[(k // len(phases)) % len(lanes)],
                            "text": f"{TEXTS[k % len(TEXTS)]} ({k + 1})"})
        card = new_card(r.text) if r.status_code == 200 else None
        if card and k % 4 == 0:
            post(f"/cards/{card}/tags", {"tag_id": tags[(k // 4) % len(tags)], "on": "1"})
        if card and k % 8 == 0:
            post(f"/cards/{card}/followup", FOLLOWUP)
    if failed:
        raise RuntimeError(f"filling a board to {cards} cards: {sum(failed.values())} POSTs failed {failed}")


class ExportLoop:
    """A thread that exports one board again and again (its own client, the facilitator's
    cookies) until stopped; records when each export ended and how long it took."""

    def __init__(self, base_url: str, cookies, slug: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=TIMEOUT_S, cookies=cookies)
        self.slug = slug
        self.done: list[tuple[float, float]] = []  # (end, ms)
        self.errors: list[str] = []
        self.started = threading.Event()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            t = time.monotonic()
            self.started.set()
            try:
                export_pdf(self.client, self.slug)
            except Exception as exc:  # noqa: BLE001 - counted and reported; the step goes on
                self.errors.append(repr(exc)[:300])
                time.sleep(0.5)
                continue
            end = time.monotonic()
            self.done.append((end, (end - t) * 1000))

    def __enter__(self) -> "ExportLoop":
        self.thread.start()
        self.started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(TIMEOUT_S + 10)
        self.client.close()

    def between(self, t0: float, t1: float) -> list[float]:
        return [ms for end, ms in self.done if t0 <= end <= t1]


def during_export(server, cfg, bench) -> tuple[dict, dict]:
    """A board of 300 cards with its 40 participants, exported in a loop by its facilitator while it
    and other boards take 5 edits/s each: latency over all boards, and on the exported board apart
    (`watch`). Under the target load (25 boards; the exported one replaces board 0), and under a
    load this machine holds (HELD_BOARDS boards), there also without the export, to compare.
    Returns (target, {"alone": ..., "exporting": ...})."""
    from bench.run import TARGET

    exported = TARGET["boards"]  # a board beside the target's 0..24, with its 40 participants
    bench.clients.call("ensure_boards", bench.split([exported]))
    owner = bench.clients.owner(exported)
    fac = bench.clients.call("facilitator", [{"index": exported} if i == owner else None
                                             for i in range(len(bench.clients.pipes))])[0]
    cookies = httpx.Cookies(fac["cookies"])
    with httpx.Client(base_url=server.url, timeout=TIMEOUT_S, cookies=cookies) as c:
        fill_board(c, fac["slug"], DURING_CARDS)
    before = bench.active
    others = [b for b in before if b != 0]
    bench.connect(others[:HELD_BOARDS - 1] + [exported])
    time.sleep(SETTLE_S)
    held = {"alone": _steps(bench, cfg, exported, f"{HELD_BOARDS} boards, no export", None)}
    with ExportLoop(server.url, cookies, fac["slug"]) as loop:
        held["exporting"] = _steps(bench, cfg, exported, f"{HELD_BOARDS} boards during a {DURING_CARDS}-card export loop", loop)
    bench.connect(others[:TARGET["boards"] - 1] + [exported])
    time.sleep(SETTLE_S)
    with ExportLoop(server.url, cookies, fac["slug"]) as loop:
        target = _steps(bench, cfg, exported, f"target during a {DURING_CARDS}-card export loop", loop)
    bench.connect(before)
    return target, held


def _steps(bench, cfg, exported: int, label: str, loop: ExportLoop | None) -> dict:
    """`cfg.reps` steps at 5 edits/s per connected board, the exported board watched; with `loop`,
    the exports that ended during each step and its drain."""
    from bench.run import TARGET, brief, say, summarise

    if loop is not None:
        time.sleep(1.0)  # the first export's worker is under way
    runs = []
    for i in range(cfg.reps):
        t0 = time.monotonic()
        r = bench.step(rate=TARGET["rate"], duration=cfg.step_s, watch=[exported])
        t1 = time.monotonic()  # the step's edits, then its drain (until every socket has them)
        r["exports"], r["window_s"] = (len(loop.between(t0, t1)) if loop else 0), t1 - t0
        runs.append(r)
        say(f"  app {label} #{i + 1}: {brief(r)}; on the exported board p50 {r['watched_p50']:.1f} "
            f"p99 {r['watched_p99']:.1f} ms; {r['exports']} exports ended in its {r['window_s']:.0f} s")
        time.sleep(0.5)
    s = summarise(label, runs)
    times = [ms for _end, ms in loop.done] if loop else []
    s.update(cards=DURING_CARDS, exports_total=sum(r["exports"] for r in runs), steps_s=sum(r["window_s"] for r in runs),
             export_ms_p50=statistics.median(times) if times else float("nan"),
             export_errors=loop.errors[:5] if loop else [])
    return s


def time_exports(c: httpx.Client, server, slug: str, cards: int, reps: int) -> dict:
    """A table row: `reps` exports of one board of `cards` cards, each from the click to the file, with peak memory."""
    headers = csrf_headers(c, slug)  # the open board page's tokens, outside the clock
    times, peaks, workers, pdf = [], [], [], b""
    for _ in range(reps):
        with PeakRss(server.ps) as peak:
            t = time.monotonic()
            pdf = export_pdf(c, slug, headers=headers)
            times.append((time.monotonic() - t) * 1000)
        peaks.append((peak.peak - peak.base) / 2**20)
        workers.append(peak.worker_peak / 2**20)
    return {"cards": cards, "ms": sorted(times), "peak_mib": sorted(peaks), "worker_mib": sorted(workers),
            "bytes": len(pdf), "status": "ok"}


def measure(server, cfg, bench=None) -> dict:
    """Rows for the table: PDF time and peak memory per size; the target load while an export
    runs (needs `bench`, a `bench.run.Bench` whose target boards are connected)."""
    if not AVAILABLE:
        return {"available": False, "rows": [{"cards": n, "status": NOT_YET} for n in CARDS], "during_export": NOT_YET}
    from bench.run import say

    sizes = QUICK_CARDS if cfg.quick else CARDS
    rows = []
    with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as c:
        c.get("/")
        for n in CARDS:
            if n not in sizes:
                rows.append({"cards": n, "status": SKIPPED_QUICK})
                continue
            t = time.monotonic()
            slug = make_board(c, f"Export {n}", n)
            say(f"  PDF board of {n} cards filled ({time.monotonic() - t:.0f}s)")
            try:
                row = time_exports(c, server, slug, n, cfg.reps)
            except ExportError as exc:  # a row that says so; the rest of the run still counts
                rows.append({"cards": n, "status": f"failed: {exc}"[:200]})
                say(f"  PDF of {n} cards failed: {exc}")
                continue
            rows.append(row)
            say(f"  PDF of {n} cards: {row['bytes']:,} bytes, {statistics.median(row['ms']):.0f} ms, "
                f"worker peak {max(row['worker_mib']):.0f} MiB, server + worker +{max(row['peak_mib']):.0f} MiB")
        during, held = during_export(server, cfg, bench) if bench is not None else (NOT_YET, NOT_YET)
    return {"available": True, "rows": rows, "during_export": during, "during_export_held": held}


# -- `python -m bench export` (make bench-export): this step alone -------------------------------

TARGETS_MS = {40: 1500, 300: 4000, 1000: 12000}  # from the click to the file (issue 19)


def export_table(rows: list[dict], machine: dict) -> list[str]:
    """The README's PDF export table, from a run of this step alone: time, target, memory."""
    speed = f"10M-addition loop {machine['speed_s']:.2f} CPU s, " if machine.get("speed_s") else ""
    out = [f"PDF export, run alone (`make bench-export`, {machine['date']}, commit `{machine['commit']}`, {speed}load average "
           f"before/after {machine['load_before'][0]:.2f} / {machine['load_after'][0]:.2f}; other work on this 2-core "
           "machine shares the cores): from the click to the file, as the facilitator's browser asks for it (a job "
           "for the warm worker process, its status polled every 25 ms, then the download), of boards with "
           "realistic card texts: every fourth card tagged, every eighth with a follow-up (bench/export.py). "
           "Worker peak = the RSS of the worker process at its highest; server + worker = the server's RSS with its "
           "children above what it was before the export.", "",
           "| PDF export | time ms (median; min–max) | target ms | worker peak RSS MiB (max) | server + worker MiB (max) |",
           "|---|---:|---:|---:|---:|"]
    for row in rows:
        target = TARGETS_MS.get(row["cards"])
        if row.get("status") != "ok":
            out.append(f"| {row['cards']:,} cards | {row.get('status', NOT_YET)} | {target or '–'} | | |")
            continue
        ms = row["ms"]
        met = "" if target is None else (" ✓" if ms[len(ms) // 2] <= target else " ✗")
        out.append(f"| {row['cards']:,} cards ({row['bytes']:,} bytes) | {ms[len(ms) // 2]:.0f} ({ms[0]:.0f}–{ms[-1]:.0f}){met} | "
                   f"{target or '–'} | {max(row['worker_mib']):.1f} | {max(row['peak_mib']):.1f} |")
    return out


def replace_export_table(readme, lines: list[str]) -> bool:
    """Put `lines` in place of the PDF export table inside the README's bench block; False if none is there."""
    text = readme.read_text()
    start = text.find("PDF export, ")
    if start < 0:
        return False
    table = text.find("| PDF export |", start)
    end = text.find("\n\n", table)
    if table < 0 or end < 0:
        return False
    readme.write_text(text[:start] + "\n".join(lines) + text[end:])
    return True


def main(reps: int = 3, sizes: tuple[int, ...] = CARDS, update_readme: bool = True) -> list[dict]:
    """This step alone: a fresh server (as `make run`), a board per size filled over HTTP, `reps`
    exports each; prints the table and writes it into the README's bench block."""
    import os
    import tempfile
    from pathlib import Path

    from bench.run import ROOT, Server, machine, say

    info = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="zl-bench-export-") as tmp:
        server = Server("app", Path(tmp)).start()
        try:
            with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as c:
                c.get("/")
                for n in sizes:
                    t = time.monotonic()
                    slug = make_board(c, f"Export {n}", n)
                    say(f"  PDF board of {n} cards filled ({time.monotonic() - t:.0f}s)")
                    try:
                        row = time_exports(c, server, slug, n, reps)
                    except ExportError as exc:
                        rows.append({"cards": n, "status": f"failed: {exc}"[:200]})
                        continue
                    rows.append(row)
                    say(f"  PDF of {n} cards: {row['bytes']:,} bytes, {row['ms']} ms, worker peak {max(row['worker_mib']):.0f} MiB")
        finally:
            server.stop()
    info["load_after"] = os.getloadavg()
    lines = export_table(rows, info)
    print("\n".join(lines))
    if update_readme and not replace_export_table(Path(ROOT) / "README.md", lines):
        say("README.md has no PDF export table to replace")
    return rows
