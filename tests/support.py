"""Test helpers: a real server process, people with their own cookies, board sockets."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bs4 import BeautifulSoup
from websockets.sync.client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`uvicorn app.main:create_app` in its own process, on a free port and a temp data folder."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        return self.launch().wait_ready()

    def launch(self) -> "LiveServer":
        """Start the process without waiting for it (start several at once, then `wait_ready`)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SESSIONS_DIR": str(self.data_dir / "sessions"), "EXPORTS_DIR": str(self.data_dir / "exports"),
               "SECRET_KEY": "test-secret", **self.extra_env}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--ws-max-size", "65536", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self) -> "LiveServer":
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no flushing."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@dataclass
class Workshop:
    slug: str
    join_link: str
    join_code: str
    facilitator_link: str


@dataclass
class Person:
    """One browser: its own cookie jar, and the htmx headers a browser would send."""

    base_url: str
    lang: str = "nl"
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, headers={"Accept-Language": self.lang}, timeout=10)
        self.client.get("/")  # receive the CSRF cookie
        self._bound: dict[str, tuple[str, dict[str, str]]] = {}

    def via(self, base_url: str) -> "Person":
        """The same browser (its cookies) reaching another app process, as behind a load balancer."""
        other = Person(base_url, lang=self.lang)
        other.client.cookies.update(self.client.cookies)
        return other

    @property
    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    def get(self, path: str, **kw) -> httpx.Response:
        return self.client.get(path, **kw)

    def member_headers(self, slug: str) -> dict[str, str]:
        """The headers the board page tells htmx to send besides the CSRF cookie's token: the token
        bound to this participant (`x-zl-csrf`), read from the page as a browser has it."""
        cookie = self.member_cookie(slug)
        if not cookie:
            return {}
        if slug in self._bound and self._bound[slug][0] == cookie:
            return self._bound[slug][1]
        r = self.client.get(f"/w/{slug}")
        found: dict[str, str] = {}
        if r.status_code == 200:
            body = BeautifulSoup(r.text, "html.parser").body
            found = {k: v for k, v in json.loads(body.get("hx-headers", "{}")).items() if k != "x-csrftoken"}
        self._bound[slug] = (cookie, found)
        return found

    def post(self, path: str, data: dict | None = None, htmx: bool = True, **kw) -> httpx.Response:
        board = re.match(r"^/w/([^/]+)/", path.removeprefix(self.base_url))
        bound = self.member_headers(board.group(1)) if board else {}
        headers = {"x-csrftoken": self.csrf, **bound, **kw.pop("headers", {})}
        if htmx:
            headers.setdefault("HX-Request", "true")
        return self.client.post(path, data=data or {}, headers=headers, **kw)

    # -- what a user does -----------------------------------------------------------------------

    def create_workshop(self, title: str = "Hulp bij de zorgapp", language: str = "nl") -> Workshop:
        r = self.post("/workshops", {"title": title, "language": language}, htmx=False, follow_redirects=True)
        assert r.status_code == 200, r.text
        soup = BeautifulSoup(r.text, "html.parser")
        join_link = soup.select_one("a[href*='/j/']")["href"]
        slug = str(r.url).rstrip("/").split("/")[-1]
        # The facilitator link is never in the board page (it may be projected): fetched on demand.
        own = BeautifulSoup(self.get(f"/w/{slug}/facilitator-link").text, "html.parser")
        return Workshop(
            slug=slug, join_link=join_link,
            join_code=soup.select_one(".join-code").get_text(strip=True),
            facilitator_link=own.select_one("a[href*='/f/']")["href"],
        )

    def join(self, workshop: Workshop, name: str, role: str = "") -> httpx.Response:
        path = "/j/" + workshop.join_link.split("/j/")[1]
        r = self.post(path, {"name": name, "role": role}, htmx=False, follow_redirects=True)
        return r

    def member_cookie(self, slug: str) -> str | None:
        return self.client.cookies.get(f"zl_m_{slug}")

    def board(self, slug: str) -> BeautifulSoup:
        r = self.get(f"/w/{slug}")
        assert r.status_code == 200, r.text
        return BeautifulSoup(r.text, "html.parser")

    def cell_ids(self, slug: str) -> tuple[list[int], list[int]]:
        soup = self.board(slug)
        phases = [int(th["data-phase-id"]) for th in soup.select("th.phase")]
        lanes = [int(th["data-lane-id"]) for th in soup.select("th.lane")]
        return phases, lanes

    def add_card(self, slug: str, phase_id: int, lane_id: int, text: str) -> httpx.Response:
        return self.post(f"/w/{slug}/cards", {"phase_id": phase_id, "lane_id": lane_id, "text": text},
                         headers={"HX-Target": "card-error"})

    def socket(self, slug: str, origin: str | None = "") -> "BoardSocket":
        return BoardSocket(self, slug, origin)


def card_texts(soup: BeautifulSoup) -> list[str]:
    return [a.select_one(".card-text").get_text() for a in soup.select("article.card")]


def card_ids_in(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'id="card-(\d+)"', html)]


class BoardSocket:
    """A board socket as the browser opens it: with the person's cookies, then a hello."""

    def __init__(self, person: Person, slug: str, origin: str | None = "", hello: bool = True) -> None:
        """`origin`: "" sends the server's own, as a browser on its page does; None sends none."""
        if origin == "":
            origin = person.base_url
        cookies = "; ".join(f"{k}={v}" for k, v in person.client.cookies.items())
        headers = {"Cookie": cookies, "Accept-Language": person.lang}
        ws_base = person.base_url.replace("http://", "ws://")
        # Entered by hand: the socket outlives this constructor and is closed by close().
        self.conn = ws_connect(f"{ws_base}/w/{slug}/ws", additional_headers=headers, origin=origin, open_timeout=5).__enter__()
        self.messages: list[str] = []
        if hello:
            self.send({"type": "hello", "seq": 0})

    def send(self, message: dict | str) -> None:
        self.conn.send(message if isinstance(message, str) else json.dumps(message))

    def recv_until(self, predicate, timeout: float = 5.0) -> str:
        """Read messages until one satisfies `predicate`; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching message in {timeout}s; got {len(self.messages)}: {self.messages[-3:]}")
            try:
                message = self.conn.recv(timeout=remaining)
            except TimeoutError:
                continue
            self.messages.append(message)
            if predicate(message):
                return message

    def drain(self, quiet: float = 0.3) -> list[str]:
        """Everything that arrives until the socket has been quiet for `quiet` seconds."""
        got = []
        while True:
            try:
                message = self.conn.recv(timeout=quiet)
            except TimeoutError:
                return got
            self.messages.append(message)
            got.append(message)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "BoardSocket":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
