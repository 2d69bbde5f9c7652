"""Anonymity "none" (show no authors): no participant id or name of an author in anything another
participant can see: answers, exports (JSON, CSV, PDF) and socket frames (issue 16, point 2)."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.support import Person, card_ids_in

NAMES = ("Annabel", "Brammetje", "Fenneke")


@pytest.fixture
def room(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, NAMES[0], "rolbegeleider")
    bram.join(ws, NAMES[1], "rolcliënt")
    phases, lanes = facilitator.cell_ids(ws.slug)
    facilitator.post(f"/w/{ws.slug}/export/settings", {"participants": "1"})
    people = facilitator.get(f"/w/{ws.slug}/participants").text
    ids = {name: int(re.search(rf"{name}.*?/participants/(\d+)/remove", people, re.S).group(1)) for name in NAMES[:2]}
    return ws, anna, bram, phases, lanes, ids


def pdf_text(person: Person, slug: str) -> str:
    r = person.post(f"/w/{slug}/export/pdf")
    job = BeautifulSoup(r.text, "html.parser").select_one("#pdf-status")["hx-get"].rstrip("/").split("/")[-1]
    deadline = time.monotonic() + 60
    while "running" in (status := person.get(f"/w/{slug}/export/pdf/{job}").text):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    link = BeautifulSoup(status, "html.parser").select_one("#pdf-status a[href$='/download']")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(person.get(link["href"]).content)).pages)


def people_in_frame(frame: str) -> list[int]:
    """Participant ids a frame carries: the announcement's actor, and who edits which card."""
    soup = BeautifulSoup(frame, "html.parser")
    found = [int(x["data-actor"]) for x in soup.select("[data-actor]") if x["data-actor"].isdigit()]
    for el in soup.select("#editing[data-cards]"):
        for entries in json.loads(el["data-cards"]).values():
            found += [part for entry in entries for part in (entry if isinstance(entry, list) else [entry])
                      if isinstance(part, int)]
    return found


def without_presence(frame: str) -> str:
    soup = BeautifulSoup(frame, "html.parser")
    for el in soup.select("#presence, #presence-count-big"):
        el.decompose()
    return str(soup)


def test_no_author_in_any_export_when_authors_are_hidden(room, facilitator):
    ws, anna, bram, phases, lanes, _ids = room
    card = card_ids_in(anna.add_card(ws.slug, phases[0], lanes[0], "Kaart van iemand").text)[0]
    assert facilitator.post(f"/w/{ws.slug}/votes/start", {"votes": "2"}).status_code == 200
    assert anna.post(f"/w/{ws.slug}/cards/{card}/vote").status_code == 200
    assert facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "none"}).status_code == 200
    document = bram.get(f"/w/{ws.slug}/export.json")
    assert document.status_code == 200
    data = document.json()
    assert [c.get("author") for c in data["cards"]] == [None]
    assert data["participants"] == []
    assert all("participant" not in vote for rnd in data["vote_rounds"] for vote in rnd["votes"])
    assert [vote["count"] for rnd in data["vote_rounds"] for vote in rnd["votes"]] == [1]
    csv_text = bram.get(f"/w/{ws.slug}/export.csv").content.decode("utf-8-sig")
    pdf = pdf_text(bram, ws.slug)
    for name in (*NAMES[:2], "rolbegeleider", "rolcliënt"):
        assert name not in document.text and name not in csv_text and name not in pdf, name
    # Such a file still starts a new workshop, with its cards and votes.
    r = bram.post("/workshops/import", {"_csrf_token": bram.csrf}, htmx=False,
                  files={"file": ("bord.json", document.content, "application/json")})
    assert r.status_code == 303, r.text
    copy = bram.get(r.headers["location"]).text
    assert "Kaart van iemand" in copy


def test_roles_hide_names_in_the_workshop_file(room, facilitator):
    ws, anna, bram, phases, lanes, _ids = room
    anna.add_card(ws.slug, phases[0], lanes[0], "Kaart met een rol")
    facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "roles"})
    document = bram.get(f"/w/{ws.slug}/export.json").text
    assert NAMES[0] not in document and NAMES[1] not in document
    assert "rolbegeleider" in document


def test_no_author_id_in_any_socket_frame_when_authors_are_hidden(room, facilitator):
    ws, anna, bram, phases, lanes, ids = room
    assert facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "none"}).status_code == 200
    with bram.socket(ws.slug) as watcher, anna.socket(ws.slug) as author:
        watcher.drain()
        author.drain()
        card = card_ids_in(anna.add_card(ws.slug, phases[0], lanes[0], "Wie schreef dit?").text)[0]
        anna.post(f"/w/{ws.slug}/cards/{card}", {"text": "Wie schreef dit nu?"})
        author.send({"type": "editing", "card": card})
        watcher.recv_until(lambda m: 'id="editing"' in m and str(card) in m)
        author.send({"type": "editing", "card": None})
        frames = watcher.messages + watcher.drain()
        assert any('id="announce"' in m for m in frames)
        assert not any(ids[NAMES[0]] in people_in_frame(m) for m in frames)
        # Names appear only in who is here (presence), never with a change or an editor.
        assert not any(NAMES[0] in without_presence(m) for m in frames)
        # The author's own screen reader is not told what she did herself.
        own = author.drain()
        assert not any("Iemand" in BeautifulSoup(m, "html.parser").select_one("#announce").get_text()
                       for m in own if 'id="announce"' in m)
