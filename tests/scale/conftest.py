"""Scale-out tests: several app processes on the real PostgreSQL, with Redis or LISTEN/NOTIFY."""

from __future__ import annotations

import re

import httpx
import pytest
from bs4 import BeautifulSoup

from tests import services
from tests.cluster import cluster

BROKERS = ["redis", "postgres"]
MARKER = re.compile(r'<div id="board-seq" data-seq="(\d+)" hidden')  # a socket's position (not an answer's)


@pytest.fixture(scope="module", params=BROKERS)
def pair(request, tmp_path_factory):
    """Two app processes on one fresh PostgreSQL database, with the broker of the param."""
    services.need("postgres")
    if request.param == "redis":
        services.need("redis")
    # No periodic catch-up: whatever reaches the other process here came through the broker.
    env = {"CATCH_UP_INTERVAL": "3600"}
    with cluster(2, broker=request.param, data_dir=tmp_path_factory.mktemp(f"pair-{request.param}"), env=env) as c:
        yield c


def positions(messages: list[str]) -> list[int]:
    return [int(m) for message in messages for m in MARKER.findall(message)]


def reached(seq: int):
    return lambda message: seq in positions([message])


def answer_seq(response: httpx.Response) -> int:
    return int(re.search(r'data-seq="(\d+)" data-partial', response.text).group(1))


def states(messages: list[str], element_id: str) -> list[tuple[int, list[str]]]:
    """Every version of one element the socket received: (its data-seq, the card texts in it)."""
    found = []
    for message in messages:
        for element in BeautifulSoup(message, "html.parser").find_all(id=element_id):
            found.append((int(element["data-seq"]), [p.get_text() for p in element.select(".card-text")]))
    return found


def presence_names(message: str) -> list[str] | None:
    section = BeautifulSoup(message, "html.parser").find(id="presence")
    if section is None:
        return None
    return sorted(li.contents[0].strip() for li in section.select("li"))


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll until true; the bound only stops a hung test, it measures nothing."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout}s")
        time.sleep(0.2)
