"""Setting up a workshop with one of everything, and reading its state, for the security tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bs4 import BeautifulSoup

from tests import database
from tests.support import LiveServer, Person, Workshop, card_ids_in


@dataclass(frozen=True)
class Ids:
    """Every kind of id a request can name, for one workshop."""

    slug: str
    token: str  # the join token
    join_code: str
    phase: int
    lane: int
    card: int
    tag: int
    participant: int
    link: int
    level: int  # a level, a step with an outgoing arrow, and that arrow, of the praatplaat
    step: int
    arrow: int
    job: str = "nojob"  # an export job (no object to swap: a job id of another workshop is simply unknown)

    def but(self, **changes) -> "Ids":
        return replace(self, **changes)


class Recorder:
    """Stands in for `Ids` to find out which ids a table row names."""

    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self.used: set[str] = set()

    def __getattr__(self, name: str):
        self.used.add(name)
        return getattr(self._ids, name)


OBJECT_KEYS = ("phase", "lane", "card", "tag", "participant", "link", "level", "step", "arrow")


@dataclass
class Room:
    workshop: Workshop
    facilitator: Person
    participant: Person
    ids: Ids


def setup_room(server: LiveServer, title: str) -> Room:
    """A workshop with a card, an own tag, a participant, a co-facilitator link and a running vote."""
    fac = Person(server.url)
    ws = fac.create_workshop(title)
    member = Person(server.url)
    assert member.join(ws, "Deelnemer").status_code == 200
    phases, lanes = fac.cell_ids(ws.slug)
    card = card_ids_in(fac.add_card(ws.slug, phases[0], lanes[0], f"kaart van {title}").text)[0]
    tags = fac.post(f"/w/{ws.slug}/tags", {"name": f"eigen {title}", "letter": "E", "colour": "red"})
    assert tags.status_code == 200, tags.text
    tag = max(int(t) for t in re.findall(r'data-tag-id="(\d+)"', tags.text))
    links = fac.post(f"/w/{ws.slug}/links", {"label": "co"})
    link = int(re.findall(r"/links/(\d+)/revoke", links.text)[0])
    people = fac.get(f"/w/{ws.slug}/participants").text
    participant = int(re.findall(r"/participants/(\d+)/remove", people)[0])
    assert fac.post(f"/w/{ws.slug}/votes/start", {"votes": "3"}).status_code == 200
    board = fac.get(f"/w/{ws.slug}").text
    level = int(re.findall(r"/chart/levels/(\d+)/edit", board)[0])
    step = arrow = 0
    for candidate in dict.fromkeys(int(x) for x in re.findall(r'data-step-id="(\d+)"', board)):
        arrows = re.findall(r"/chart/arrows/(\d+)/delete", fac.get(f"/w/{ws.slug}/chart/steps/{candidate}/edit").text)
        if arrows:
            step, arrow = candidate, int(arrows[0])
            break
    assert step and arrow, "the default chart has steps with arrows"
    ids = Ids(slug=ws.slug, token=ws.join_link.split("/j/")[1], join_code=ws.join_code, phase=phases[0],
              lane=lanes[0], card=card, tag=tag, participant=participant, link=link, level=level, step=step, arrow=arrow)
    return Room(ws, fac, member, ids)


def seq(person: Person, slug: str) -> int:
    soup = BeautifulSoup(person.get(f"/w/{slug}").text, "html.parser")
    return int(soup.select_one("#board-seq")["data-seq"])


def snapshot(person: Person, slug: str) -> tuple:
    """What a facilitator can see of a workshop: the board, its state, people, links, bin, join link."""
    soup = BeautifulSoup(person.get(f"/w/{slug}").text, "html.parser")
    return (
        soup.select_one("#board-seq")["data-seq"], str(soup.select_one("#board-root")),
        str(soup.select_one("#session-state")), str(soup.select_one("#workshop-title")),
        soup.select_one(".join-code").get_text(), person.get(f"/w/{slug}/participants").text,
        person.get(f"/w/{slug}/links").text, person.get(f"/w/{slug}/bin").text,
    )


def rows_of(server: LiveServer, slug: str) -> dict[str, list[tuple]]:
    """Every row that belongs to one workshop, table by table (tests/database.py), but `presence`:
    who has a socket open right now (written and removed by the socket itself, a moment after it
    closes), not what a request stored."""

    def read(conn) -> dict[str, list[tuple]]:
        found = database.workshop_id(conn, slug)
        return {} if found is None else database.workshop_rows(conn, found)

    rows = database.read(server.data_dir / "sessions", read)
    rows.pop("presence", None)
    return rows
