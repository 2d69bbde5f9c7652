"""A load-client process: boards of participants, each with its own cookies, HTTP client
and websocket, exactly as a browser does (join, load the page, open the socket, say hello,
post edits with the CSRF header). Several of these run in parallel; the orchestrator
(`bench.run`) sends them commands over a pipe and merges what they measured.

Latency = when the socket had the message minus when the edit was *scheduled* (so a
client that falls behind its schedule shows as latency, never hides it). Clocks are
CLOCK_MONOTONIC, shared by every process on the machine. Each edit is known by the
board's sequence number (`#board-seq` in the answer and in every broadcast).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import re
import socket as pysocket
import ssl
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

SEQ_MARK = b'data-seq="'
# One TLS context for every client: httpx builds one per client otherwise (~20 ms each, for
# a thousand participants), though nothing here speaks TLS (127.0.0.1 only).
TLS = ssl.create_default_context()
WORDS = ("cliënt belt de servicedesk", "begeleider zoekt het dossier", "superuser meldt storing", "app vraagt opnieuw inloggen",
         "leverancier plant reparatie", "zorgconsultant belt terug", "medewerker weet hoe te helpen", "serviceverzoek ingediend")


def seq_of(html: bytes | str) -> int | None:
    data = html.encode() if isinstance(html, str) else html
    i = data.rfind(SEQ_MARK)
    if i < 0:
        return None
    j = i + len(SEQ_MARK)
    return int(data[j:data.index(b'"', j)])


MEMBER_CSRF = re.compile(r'"x-zl-csrf": "([0-9a-f]+)"')


def member_csrf(page: str) -> str:
    """The CSRF token bound to this participant, from the board page's `hx-headers` (as htmx sends it)."""
    found = MEMBER_CSRF.search(page)
    return found.group(1) if found else ""


def reached(arrivals, since: int, sent: list[int]) -> dict[int, float]:
    """Cumulative: each of `sent` (sorted) arrived with the first message whose number is at
    or past it. The app's `#board-seq` marker means "every change up to here has reached
    you", and a feed that renders from the event log (another process's changes) folds
    the changes it finds into one message with the last number. `arrivals`: (seq, time)."""
    out, i = {}, 0
    for seq, t in arrivals:
        if seq <= since:
            continue
        while i < len(sent) and sent[i] <= seq:
            out[sent[i]] = t
            i += 1
    return out


def older_states(seqs, held: int) -> int:
    """Messages that carried a state older than one the socket already held (`held` at first)."""
    older = 0
    for x in seqs:
        older += x < held
        held = max(held, x)
    return older


@dataclass
class Participant:
    http: httpx.AsyncClient
    cookie: str = ""
    url: str = ""  # the app process this participant talks to (HTTP and socket); "" = the target's
    member_csrf: str = ""  # from their board page

    @property
    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken") or ""


class Socket:
    """One participant's board socket; records (seq, arrival time) of every broadcast."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.seqs = array("q")
        self.times = array("d")
        self.messages = 0
        self.bytes = 0
        self.closed_code: int | None = None
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                data = await self.conn.recv(decode=False)
                now = time.monotonic()
                self.messages += 1
                self.bytes += len(data)
                seq = seq_of(data)
                if seq is not None:
                    self.seqs.append(seq)
                    self.times.append(now)
        except Exception:  # noqa: BLE001 - closed: remember how
            self.closed_code = self.conn.close_code if self.conn.close_code is not None else -1

    def seen(self, since: int) -> dict[int, float]:
        return {s: t for s, t in zip(self.seqs, self.times) if s > since}

    def reached(self, since: int, sent: list[int]) -> dict[int, float]:
        return reached(zip(self.seqs, self.times), since, sent)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.conn.close()
        self.task.cancel()


@dataclass
class Board:
    index: int
    slug: str
    phases: list[int]
    lanes: list[int]
    participants: list[Participant]
    seq: int = 0
    sockets: list[Socket] = field(default_factory=list)
    cards: list[int] = field(default_factory=list)
    cell_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # card -> (phase, lane), as this client put it
    sent: dict[int, float] = field(default_factory=dict)  # seq -> scheduled time
    errors: int = 0
    http_ms: list[float] = field(default_factory=list)


class Target:
    """How the harness talks to one kind of server (the app, or the bare relay).

    `urls`: several app processes serving the same boards (bench/cluster.py). Participant i of
    a board (0 = the facilitator, who creates it) then uses process i % len(urls) for both its
    HTTP requests and its socket, as behind a load balancer with sticky connections.
    """

    def __init__(self, base_url: str, pad: int = 0, urls: list[str] | None = None, compression: str | None = "deflate",
                 cumulative: bool = False) -> None:
        self.base_url = base_url
        self.cumulative = cumulative  # count an edit as arrived by a later number too (Socket.reached)
        self.ws_base = base_url.replace("http://", "ws://")
        self.pad = pad
        self.urls = list(urls) if urls else [base_url]
        self.compression = compression

    def url_of(self, i: int) -> str:
        return self.urls[i % len(self.urls)]

    def participant(self, i: int) -> Participant:
        url = self.url_of(i)
        return Participant(self.client(url), url=url)

    def client(self, base_url: str | None = None) -> httpx.AsyncClient:
        # Like a browser: keep-alive, its own cookie jar, its language.
        return httpx.AsyncClient(base_url=base_url or self.base_url, headers={"Accept-Language": "nl"}, timeout=60, verify=TLS,
                                 limits=httpx.Limits(max_connections=4, max_keepalive_connections=4))

    async def open_socket(self, board: Board, p: Participant, seq: int | None = None) -> Socket:
        """`seq`: the number the client says it last saw (default: the board's, as the page left it)."""
        raise NotImplementedError

    async def create_board(self, index: int, people: int) -> Board:
        raise NotImplementedError

    async def edit(self, board: Board, p: Participant, text: str, kind: str) -> httpx.Response:
        raise NotImplementedError


class AppTarget(Target):
    async def create_board(self, index: int, people: int) -> Board:
        fac = self.participant(0)
        await fac.http.get("/")
        r = await fac.http.post("/workshops", data={"title": f"Bench {index}", "language": "nl"},
                                headers={"x-csrftoken": fac.csrf}, follow_redirects=True)
        r.raise_for_status()
        page = r.text
        fac.member_csrf = member_csrf(page)
        slug = str(r.url).rstrip("/").rsplit("/", 1)[1]
        join_path = "/j/" + re.search(r'href="[^"]*/j/([^"]+)"', page).group(1)
        board = Board(index, slug, [int(x) for x in re.findall(r'class="phase" id="phase-(\d+)"', page)],
                      [int(x) for x in re.findall(r'class="lane" id="lane-(\d+)"', page)], [fac], seq_of(page) or 0)
        for n in range(people - 1):
            p = self.participant(n + 1)
            await p.http.get("/")
            # The join form posts and follows to the board page, as the browser does.
            r = await p.http.post(join_path, data={"name": f"Deelnemer {n + 1}"}, headers={"x-csrftoken": p.csrf},
                                  follow_redirects=True)
            r.raise_for_status()
            p.member_csrf = member_csrf(r.text)
            board.participants.append(p)
        for p in board.participants:
            p.cookie = "; ".join(f"{k}={v}" for k, v in p.http.cookies.items())
        return board

    async def open_socket(self, board: Board, p: Participant, seq: int | None = None) -> Socket:
        url = p.url or self.base_url
        conn = await ws_connect(f"{url.replace('http://', 'ws://')}/w/{board.slug}/ws", origin=url, max_size=None,
                                open_timeout=60, compression=self.compression,
                                additional_headers={"Cookie": p.cookie, "Accept-Language": "nl"})
        await conn.send(f'{{"type": "hello", "seq": {board.seq if seq is None else seq}}}')
        return Socket(conn)

    async def edit(self, board: Board, p: Participant, text: str, kind: str) -> httpx.Response:
        h = {"x-csrftoken": p.csrf, "x-zl-csrf": p.member_csrf, "HX-Request": "true", "HX-Target": "card-error"}
        slug = board.slug
        if kind == "edit" and board.cards:
            return await p.http.post(f"/w/{slug}/cards/{random.choice(board.cards)}", data={"text": text}, headers=h)
        if kind == "move" and board.cards:
            # Always to another cell: a move to its own cell changes nothing, and its answer would
            # carry a number that belongs to an earlier change (or none of this step's).
            card = random.choice(board.cards)
            cell = random.choice([c for c in itertools.product(board.phases, board.lanes) if c != board.cell_of.get(card)])
            r = await p.http.post(f"/w/{slug}/cards/{card}/move", headers=h, data={"phase_id": cell[0], "lane_id": cell[1]})
            if r.status_code == 200:
                board.cell_of[card] = cell
            return r
        if kind == "delete" and board.cards:
            card = board.cards.pop(random.randrange(len(board.cards)))
            board.cell_of.pop(card, None)
            return await p.http.post(f"/w/{slug}/cards/{card}/delete", headers=h)
        cell = (random.choice(board.phases), random.choice(board.lanes))
        r = await p.http.post(f"/w/{slug}/cards", headers=h, data={"phase_id": cell[0], "lane_id": cell[1], "text": text})
        if r.status_code == 200:
            board.cards.append(max(int(x) for x in re.findall(r'id="card-(\d+)"', r.text)))
            board.cell_of[board.cards[-1]] = cell
        return r


class RelayTarget(Target):
    async def create_board(self, index: int, people: int) -> Board:
        return Board(index, str(index), [], [], [Participant(self.client()) for _ in range(people)])

    async def open_socket(self, board: Board, p: Participant, seq: int | None = None) -> Socket:
        conn = await ws_connect(f"{self.ws_base}/r/{board.slug}/ws", origin=self.base_url, max_size=None, open_timeout=60)
        return Socket(conn)

    async def edit(self, board: Board, p: Participant, text: str, kind: str) -> httpx.Response:
        return await p.http.post(f"/r/{board.slug}/edit", data={"text": text, "size": self.pad},
                                 headers={"HX-Request": "true"})


# -- one worker process -------------------------------------------------------------------------


class Worker:
    def __init__(self, target: Target, people: int) -> None:
        self.target = target
        self.people = people
        self.boards: dict[int, Board] = {}
        self.stalled: list[pysocket.socket] = []
        self.steady_cards: int | None = None  # see `steady`
        self.filling = False

    # Setup: boards exist (joined over HTTP) and are "active" when their sockets are open.
    async def ensure_boards(self, indexes: list[int]) -> dict:
        todo = [i for i in indexes if i not in self.boards]
        sem = asyncio.Semaphore(4)

        async def make(i: int) -> None:
            async with sem:
                self.boards[i] = await self.target.create_board(i, self.people)

        await asyncio.gather(*(make(i) for i in todo))
        return {"made": len(todo)}

    async def activate(self, indexes: list[int]) -> dict:  # noqa: C901
        """Open the sockets of these boards; close those of every other board."""
        want = set(indexes)
        for b in self.boards.values():
            if b.index not in want and b.sockets:
                await asyncio.gather(*(s.close() for s in b.sockets))
                b.sockets = []
        sem = asyncio.Semaphore(32)

        async def open_one(b: Board, p: Participant) -> Socket:
            async with sem:
                return await self.target.open_socket(b, p)

        for i in sorted(want):
            b = self.boards[i]
            if not b.sockets:
                b.sockets = list(await asyncio.gather(*(open_one(b, p) for p in b.participants)))
        return {"sockets": sum(len(b.sockets) for b in self.boards.values())}

    async def _edit(self, b: Board, p: Participant, scheduled: float, kind: str, text: str) -> None:
        started = time.monotonic()
        try:
            r = await self.target.edit(b, p, text, kind)
        except httpx.HTTPError:
            b.errors += 1
            return
        b.http_ms.append((time.monotonic() - started) * 1000)
        seq = seq_of(r.content) if r.status_code == 200 else None
        if seq is None:
            b.errors += 1
            return
        b.sent[seq] = scheduled

    async def steady(self, cards: int | None, fill: bool = False) -> dict:
        """From here on, a board at `cards` cards gets a card deleted where it would get a new one
        (None: boards grow): the soak's boards keep their size, as a long session's do. `fill`: every
        edit adds a card until the board has `cards`."""
        self.steady_cards, self.filling = cards, fill
        return {"steady": cards}

    def _kind(self, b: Board) -> str:
        # A live session: mostly new cards and rewording, some moves.
        r = random.random()
        kind = "add" if r < 0.45 or len(b.cards) < 5 else ("edit" if r < 0.9 else "move")
        if self.steady_cards is None:
            return kind
        if self.filling and len(b.cards) < self.steady_cards:
            return "add"
        return "delete" if kind == "add" and len(b.cards) >= self.steady_cards else kind

    async def _drive(self, b: Board, rate: float, duration: float, start: float, edit=None) -> None:
        """Edits at `rate` on a schedule; `edit(board, participant, scheduled, text)`: how (default `_edit`)."""
        interval = 1.0 / rate
        t = start + random.random() * interval
        tasks = []
        k = 0
        while t < start + duration:
            await asyncio.sleep(max(0.0, t - time.monotonic()))
            p = random.choice(b.participants)
            text = f"{random.choice(WORDS)} {b.index}-{k}"
            made = edit(b, p, t, text) if edit else self._edit(b, p, t, self._kind(b), text)
            tasks.append(asyncio.create_task(made))
            t += interval
            k += 1
        await asyncio.gather(*tasks)

    async def _burst(self, b: Board, start: float) -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        await asyncio.gather(*(self._edit(b, p, start, "add", f"tegelijk {b.index}-{n}") for n, p in enumerate(b.participants)))

    async def facilitator(self, index: int) -> dict:
        """Board `index`'s slug and its facilitator's cookies, for a client of the orchestrator's own
        (bench/export.py fills this board and exports it while the load runs)."""
        b = self.boards[index]
        return {"slug": b.slug, "cookies": dict(b.participants[0].http.cookies)}

    async def step(self, mode: str, boards: list[int], rate: float, duration: float, start: float, drain: float = 30.0,
                   watch: list[int] = ()) -> dict:
        """Run a step on these boards and measure it: edit-to-every-socket latency, drops; the
        latencies on the boards in `watch` also apart."""
        active = [self.boards[i] for i in boards]
        marks = {b.index: max(b.seq, max(b.sent, default=0)) for b in active}
        for b in active:
            b.sent, b.errors, b.http_ms = {}, 0, []
        msgs0 = sum(s.messages for b in active for s in b.sockets)
        bytes0 = sum(s.bytes for b in active for s in b.sockets)
        cpu0, wall0 = time.process_time(), time.monotonic()
        lag = LagProbe()
        lag_task = asyncio.create_task(lag.run())
        if mode == "burst":
            await asyncio.gather(*(self._burst(b, start) for b in active))
        else:
            await asyncio.gather(*(self._drive(b, rate, duration, start) for b in active))
        end_sending = time.monotonic()
        # Drain: wait until every open socket has the board's last number (bounded).
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:
            if all(not b.sent or s.closed_code is not None or (s.seqs and s.seqs[-1] >= max(b.sent))
                   for b in active for s in b.sockets):
                break
            await asyncio.sleep(0.05)
        lag_task.cancel()
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        lat, watched = array("f"), array("f")
        dropped = late = 0
        for b in active:
            b.seq = max(b.seq, max(b.sent, default=0))
            sent = sorted(b.sent)
            for s in b.sockets:
                seen = s.reached(marks[b.index], sent) if self.target.cumulative else s.seen(marks[b.index])
                for seq, t0 in b.sent.items():
                    t = seen.get(seq)
                    if t is None:
                        dropped += 1
                    else:
                        ms = (t - t0) * 1000
                        lat.append(ms)
                        if b.index in watch:
                            watched.append(ms)
                        late += ms > 250
        http_ms = array("f", [x for b in active for x in b.http_ms])
        return {
            "latencies": lat.tobytes(), "watched": watched.tobytes(), "http_ms": http_ms.tobytes(),
            "edits": sum(len(b.sent) for b in active), "errors": sum(b.errors for b in active),
            "dropped": dropped, "late": late, "closed": sum(s.closed_code is not None for b in active for s in b.sockets),
            "messages": sum(s.messages for b in active for s in b.sockets) - msgs0,
            "bytes": sum(s.bytes for b in active for s in b.sockets) - bytes0,
            "cpu_s": cpu, "wall_s": wall, "send_s": end_sending - start, "client_lag_max_ms": lag.max_ms(),
        }

    async def storm(self, index: int, behind: int = 20, wait: float = 30.0) -> dict:
        """Every phone of board `index` loses its socket at once (a Wi-Fi blip) while `behind`
        changes are made, then all reconnect at once, each saying the last number it saw. Measures
        how long until each is caught up (a message at or past the last change's number), and
        counts the messages that carried a state older than one that socket already held."""
        b = self.boards[index]
        held = [max(s.seqs, default=b.seq) for s in b.sockets] or [b.seq] * len(b.participants)
        await asyncio.gather(*(s.close() for s in b.sockets))
        last, errors = max(held), 0
        for k in range(behind):
            r = await self.target.edit(b, b.participants[0], f"tijdens de storing {index}-{k}", "add")
            seq = seq_of(r.content) if r.status_code == 200 else None
            errors += seq is None
            last = max(last, seq or 0)
        start = time.monotonic()
        b.sockets = list(await asyncio.gather(*(self.target.open_socket(b, p, seq=h) for p, h in zip(b.participants, held))))
        while time.monotonic() < start + wait and not all(any(x >= last for x in s.seqs) for s in b.sockets):
            await asyncio.sleep(0.005)
        caught = sorted((next(t for x, t in zip(s.seqs, s.times) if x >= last) - start) * 1000
                        for s in b.sockets if any(x >= last for x in s.seqs))
        older = sum(older_states(s.seqs, h) for s, h in zip(b.sockets, held))
        b.seq = last
        return {"sockets": len(b.sockets), "behind": behind, "caught_up": len(caught), "errors": errors, "older": older,
                "p50_ms": caught[len(caught) // 2] if caught else None, "max_ms": caught[-1] if caught else None}

    async def failover(self, boards: list[int], rate: float, duration: float, start: float, dead: str, alive: str,
                       drain: float = 30.0) -> dict:
        """New cards at `rate` per board while the orchestrator kills the process at `dead` (kill -9,
        mid-step). Every participant on it moves to `alive`, as a browser behind a load balancer
        would: its socket reopens there at once saying the last number it saw, and an edit whose
        connection broke is sent again there (the card was not acknowledged; it may exist twice).
        Measures what the issue asks: acknowledged cards missing from the board afterwards, the
        time from reopening until the socket holds every change acknowledged before it reopened,
        and messages carrying a state older than one the socket already held."""
        active = [self.boards[i] for i in boards]
        marks = {b.index: max(b.seq, max(b.sent, default=0)) for b in active}
        for b in active:
            b.sent, b.errors, b.http_ms = {}, 0, []
        acked: dict[int, list[str]] = {b.index: [] for b in active}
        history: dict[tuple[int, int], list[Socket]] = {(b.index, k): [s] for b in active for k, s in enumerate(b.sockets)}
        moves: list[dict] = []
        retried, failures = 0, Counter()

        def move(p: Participant) -> None:
            p.url = alive
            p.http.base_url = alive

        async def follow(b: Board, k: int) -> None:
            s = b.sockets[k]
            await s.task  # ends when the socket closes
            closed = time.monotonic()
            held = max(s.seqs, default=marks[b.index])
            move(b.participants[k])
            want = max(marks[b.index], max(b.sent, default=0))  # every change acknowledged so far
            for attempt in range(5):  # the browser's extension retries too (after 0.5–5 s)
                try:
                    new = await self.target.open_socket(b, b.participants[k], seq=held)
                    break
                except (OSError, InvalidStatus):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.2)
            reopened = time.monotonic()
            b.sockets[k] = new
            history[(b.index, k)].append(new)
            moves.append({"board": b.index, "k": k, "held": held, "want": want, "closed": closed, "reopened": reopened})

        async def add(b: Board, p: Participant, scheduled: float, text: str) -> None:
            nonlocal retried
            text += "."  # "… 0-1." is no part of "… 0-10.": each text is found on the page only as itself
            for attempt in range(2):
                url = p.url
                try:
                    r = await self.target.edit(b, p, text, "add")
                except httpx.HTTPError as exc:
                    r, why = None, type(exc).__name__
                seq = seq_of(r.content) if r is not None and r.status_code == 200 else None
                if seq is not None:
                    b.sent[seq] = scheduled
                    acked[b.index].append(text)
                    return
                if r is not None:
                    why = f"HTTP {r.status_code}"
                if r is not None or url != dead or attempt:
                    break
                move(p)
                retried += 1
            b.errors += 1
            failures[why] += 1

        followers = [asyncio.create_task(follow(b, k)) for b in active for k, p in enumerate(b.participants) if p.url == dead]
        await asyncio.gather(*(self._drive(b, rate, duration, start, edit=add) for b in active))
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline and not (all(f.done() for f in followers) and all(
                s.closed_code is None and s.seqs and s.seqs[-1] >= max(b.sent, default=0) for b in active for s in b.sockets)):
            await asyncio.sleep(0.05)
        for f in followers:
            f.cancel()
        # What each participant received over its sockets, old and new, in order.
        lat, dropped, older = array("f"), 0, 0
        for b in active:
            sent = sorted(b.sent)
            for k in range(len(b.participants)):
                arrivals = [(x, t) for s in history[(b.index, k)] for x, t in zip(s.seqs, s.times)]
                older += older_states([x for x, _ in arrivals], marks[b.index])
                seen = reached(arrivals, marks[b.index], sent)
                for seq, t0 in b.sent.items():
                    if seq in seen:
                        lat.append((seen[seq] - t0) * 1000)
                    else:
                        dropped += 1
        for m in moves:
            new = history[(m["board"], m["k"])][-1]
            m["caught_ms"] = next(((t - m["reopened"]) * 1000 for x, t in zip(new.seqs, new.times) if x >= m["want"]), None)
        # Every acknowledged card is on the board, as the surviving process serves it.
        lost = 0
        for b in active:
            page = (await b.participants[0].http.get(f"/w/{b.slug}")).text
            lost += sum(text not in page for text in acked[b.index])
            b.seq = max(b.seq, max(b.sent, default=0))
        return {"latencies": lat.tobytes(), "edits": sum(len(b.sent) for b in active), "acked": sum(map(len, acked.values())),
                "lost": lost, "failed": sum(b.errors for b in active), "failures": dict(failures), "retried": retried, "dropped": dropped, "older": older,
                "moved": len(followers), "moves": moves,
                "sockets": sum(len(b.sockets) for b in active)}

    async def stall(self, index: int) -> dict:
        """A participant whose phone stops reading: joins, opens its socket, then reads nothing."""
        b = self.boards[index]
        p = Participant(self.target.client())
        if isinstance(self.target, AppTarget):
            await p.http.get("/")
            page = await b.participants[0].http.get(f"/w/{b.slug}")
            token = re.search(r'href="[^"]*/j/([^"]+)"', page.text).group(1)
            r = await p.http.post(f"/j/{token}", data={"name": "Slaper"}, headers={"x-csrftoken": p.csrf}, follow_redirects=True)
            r.raise_for_status()
            path = f"/w/{b.slug}/ws"
        else:
            path = f"/r/{b.slug}/ws"
        cookie = "; ".join(f"{k}={v}" for k, v in p.http.cookies.items())
        host, port = self.target.base_url.removeprefix("http://").split(":")
        sock = pysocket.socket()
        sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, (host, int(port)))
        await loop.sock_sendall(sock, (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                                       f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                       f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += await loop.sock_recv(sock, 1)
        self.stalled.append(sock)
        return {"status": head.split(b"\r\n")[0].decode()}

    async def unstall(self) -> dict:
        """Read what the stalled sockets were sent and whether the server closed them."""
        loop = asyncio.get_running_loop()
        result = []
        for sock in self.stalled:
            total, closed = 0, False
            try:
                while True:
                    chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 20), 1.0)
                    if not chunk:
                        closed = True
                        break
                    total += len(chunk)
            except (TimeoutError, OSError):
                pass
            sock.close()
            result.append({"bytes_buffered": total, "closed_by_server": closed})
        self.stalled = []
        return {"stalled": result}

    async def page(self, index: int, cards: int, repeat: int) -> dict:
        """Fill a fresh board to `cards` cards, then time GET of its page."""
        b = await self.target.create_board(20_000 + index, 1)
        p = b.participants[0]
        sem = asyncio.Semaphore(4)

        async def add(k: int) -> None:
            async with sem:
                r = await self.target.edit(b, p, f"{random.choice(WORDS)} {k}", "add")
                r.raise_for_status()

        await asyncio.gather(*(add(k) for k in range(cards)))
        times, size = [], 0
        for _ in range(repeat):
            t = time.monotonic()
            r = await p.http.get(f"/w/{b.slug}")
            times.append((time.monotonic() - t) * 1000)
            size = len(r.content)
        return {"ms": times, "bytes": size, "cards": r.text.count('class="card"')}

    async def close(self) -> dict:
        for b in self.boards.values():
            await asyncio.gather(*(s.close() for s in b.sockets))
            await asyncio.gather(*(p.http.aclose() for p in b.participants))
        return {}


class LagProbe:
    """The client's own event-loop lag: a busy client inflates every latency it measures."""

    def __init__(self) -> None:
        self.worst = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - t - 0.01)

    def max_ms(self) -> float:
        return self.worst * 1000


def worker_main(conn, kind: str, base_url: str | list[str], people: int, pad: int) -> None:
    """Entry point of a client process: answer the orchestrator's commands until "close".

    `base_url` may be a list: several app processes (bench/cluster.py; participants spread over
    them, see `Target`). Those are started as the tests start them (tests/support.LiveServer),
    without `--ws-per-message-deflate false`, so these clients offer no compression: no socket
    is compressed, as with `make run`. Their edits count as arrived by the first message at or
    past their number (`Socket.reached`), for one process as for two, so the rows compare."""
    import resource

    import uvloop

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if isinstance(base_url, list):
        target: Target = AppTarget(base_url[0], pad, urls=base_url, compression=None, cumulative=True)
    else:
        target = AppTarget(base_url, pad) if kind == "app" else RelayTarget(base_url, pad)

    async def main() -> None:
        worker = Worker(target, people)
        loop = asyncio.get_running_loop()
        while True:
            command, kwargs = await loop.run_in_executor(None, conn.recv)
            if command == "pad":
                target.pad = kwargs["pad"]
                conn.send({})
                continue
            try:
                result = await getattr(worker, command)(**kwargs)
            except Exception as exc:  # noqa: BLE001 - reported to the orchestrator, which stops the run
                import traceback

                result = {"error": f"{command}: {exc!r}\n{traceback.format_exc()}"}
            conn.send(result)
            if command == "close":
                return

    uvloop.run(main())
