"""The PDF export in the bench: time and peak memory per board size, and the target load
while an export runs.

`export_pdf` asks for the PDF exactly as the facilitator's browser does (the export panel of
the board page, app/templates/export_panel.html): `POST /w/<slug>/export/pdf` starts a job in a
worker process and answers with a `#pdf-status` fragment that polls `/w/<slug>/export/pdf/<job>`
(`hx-get`); when the job is done that fragment holds the `…/download` link. Here it is polled
every 100 ms (the browser: every second), so the time measured is the job's, not the poll's.
"""

from __future__ import annotations

import html
import re
import statistics
import threading
import time

import httpx

AVAILABLE = True
CARDS = (40, 300, 1000)
QUICK_CARDS = (40,)
DURING_CARDS = 300  # the board exported in a loop while the target load runs
NOT_YET = "not available yet"
SKIPPED_QUICK = "skipped in --quick"
POLL_S = 0.1
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


def export_pdf(client: httpx.Client, slug: str, timeout: float = TIMEOUT_S) -> bytes:
    """The PDF of this workshop, asked for as the facilitator's browser does; `client` holds the
    facilitator's cookies. Raises ExportError when the job fails or takes longer than `timeout`."""
    csrf = client.cookies.get("csrftoken") or ""
    r = client.post(f"/w/{slug}/export/pdf", headers={"x-csrftoken": csrf, **HX})
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


def fill_board(c: httpx.Client, slug: str, cards: int) -> None:
    """Add cards with realistic texts until the board has `cards`, spread over its cells; every
    fourth tagged and every eighth with a follow-up, for the revisit list. `c`: its facilitator."""
    h = {"x-csrftoken": c.cookies.get("csrftoken") or ""}
    page = c.get(f"/w/{slug}").text
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
        card = re.search(r'data-card-id="(\d+)"', r.text) if r.status_code == 200 else None
        if card and k % 4 == 0:
            post(f"/cards/{card.group(1)}/tags", {"tag_id": tags[(k // 4) % len(tags)], "on": "1"})
        if card and k % 8 == 0:
            post(f"/cards/{card.group(1)}/followup", FOLLOWUP)
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


def during_export(server, cfg, bench) -> dict:
    """The target load (25 boards × 40 sockets, 5 edits/s each) while one of its 25 boards, filled to
    300 cards, is exported in a loop by its facilitator: latency over all boards as in the target
    row, latency on the exported board apart, and the exports that ended meanwhile."""
    from bench.run import TARGET, brief, say, summarise

    exported = TARGET["boards"]  # a board beside the target's 0..24, with its 40 participants
    bench.clients.call("ensure_boards", bench.split([exported]))
    owner = bench.clients.owner(exported)
    fac = bench.clients.call("facilitator", [{"index": exported} if i == owner else None
                                             for i in range(len(bench.clients.pipes))])[0]
    cookies = httpx.Cookies(fac["cookies"])
    with httpx.Client(base_url=server.url, timeout=TIMEOUT_S, cookies=cookies) as c:
        fill_board(c, fac["slug"], DURING_CARDS)
    # 25 boards as in the target row, one of them the exported board.
    boards = [b for b in bench.active if b != 0] + [exported]
    before = bench.active
    bench.connect(boards)
    runs = []
    with ExportLoop(server.url, cookies, fac["slug"]) as loop:
        time.sleep(1.0)  # the first export's worker is under way
        for i in range(cfg.reps):
            t0 = time.monotonic()
            r = bench.step(rate=TARGET["rate"], duration=cfg.step_s, watch=[exported])
            t1 = time.monotonic()  # the step's edits, then its drain (until every socket has them)
            r["exports"], r["window_s"] = len(loop.between(t0, t1)), t1 - t0
            runs.append(r)
            say(f"  app target during a {DURING_CARDS}-card export loop #{i + 1}: {brief(r)}; on the exported board "
                f"p50 {r['watched_p50']:.1f} p99 {r['watched_p99']:.1f} ms; {r['exports']} exports ended in its "
                f"{r['window_s']:.0f} s")
            time.sleep(0.5)
        times = [ms for _end, ms in loop.done]
    bench.connect(before)
    s = summarise(f"target while a {DURING_CARDS}-card PDF export runs", runs)
    s.update(cards=DURING_CARDS, exports_total=sum(r["exports"] for r in runs), steps_s=sum(r["window_s"] for r in runs),
             export_ms_p50=statistics.median(times) if times else float("nan"), export_errors=loop.errors[:5],
             board_p99_max=max(r["watched_p99"] for r in runs))
    return s


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
            times, peaks = [], []
            try:
                for _ in range(cfg.reps):
                    with PeakRss(server.ps) as peak:
                        t = time.monotonic()
                        pdf = export_pdf(c, slug)
                        times.append((time.monotonic() - t) * 1000)
                    peaks.append((peak.peak - peak.base) / 2**20)
            except ExportError as exc:  # a row that says so; the rest of the run still counts
                rows.append({"cards": n, "status": f"failed: {exc}"[:200]})
                say(f"  PDF of {n} cards failed: {exc}")
                continue
            rows.append({"cards": n, "ms": sorted(times), "peak_mib": sorted(peaks), "bytes": len(pdf), "status": "ok"})
            say(f"  PDF of {n} cards: {len(pdf):,} bytes, {statistics.median(times):.0f} ms, peak +{max(peaks):.0f} MiB")
        during = during_export(server, cfg, bench) if bench is not None else NOT_YET
    return {"available": True, "rows": rows, "during_export": during}
