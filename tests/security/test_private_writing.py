"""Private writing: before the reveal, a private card's text reaches nobody but its author, by any
route that can name a card (ids are sequential, so anyone can guess them), in any export and in
any socket frame (issue 16, point 1)."""

from __future__ import annotations

import io
import re
import time

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.support import Person, card_ids_in

SECRET = "Geheim4711"


@pytest.fixture
def room(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = facilitator.cell_ids(ws.slug)
    facilitator.post(f"/w/{ws.slug}/export/settings", {"participants": "1"})
    return ws, anna, bram, phases, lanes


def private_card(person: Person, slug: str, phase: int, lane: int, text: str) -> int:
    r = person.add_card(slug, phase, lane, text)
    assert r.status_code == 200, r.text
    return max(card_ids_in(BeautifulSoup(r.text, "html.parser").select_one(f"#mine-{phase}-{lane}").decode()))


def pdf_text(person: Person, slug: str) -> str:
    r = person.post(f"/w/{slug}/export/pdf")
    assert r.status_code == 200, r.text
    job = BeautifulSoup(r.text, "html.parser").select_one("#pdf-status")["hx-get"].rstrip("/").split("/")[-1]
    deadline = time.monotonic() + 60
    while "running" in (status := person.get(f"/w/{slug}/export/pdf/{job}").text):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    link = BeautifulSoup(status, "html.parser").select_one("#pdf-status a[href$='/download']")
    pdf = person.get(link["href"])
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)


def test_no_route_gives_a_private_card_to_anyone_but_its_author(room, facilitator):
    ws, anna, bram, phases, lanes = room
    slug = ws.slug
    step = int(re.findall(r'data-step-id="(\d+)"', facilitator.get(f"/w/{slug}").text)[0])
    tag = BeautifulSoup(facilitator.get(f"/w/{slug}").text, "html.parser").select_one(".tag-toggle")["data-tag-id"]
    assert facilitator.post(f"/w/{slug}/votes/start", {"votes": "3"}).status_code == 200
    with facilitator.socket(slug) as fac_socket, bram.socket(slug) as bram_socket:
        fac_socket.drain()
        bram_socket.drain()
        assert facilitator.post(f"/w/{slug}/settings/private", {"value": "1"}).status_code == 200
        card = private_card(anna, slug, phases[0], lanes[0], SECRET + " kaart")
        gone = private_card(anna, slug, phases[1], lanes[0], SECRET + " weggegooid")
        # The author deletes one of her own private cards: it goes to the bin, still private.
        assert anna.post(f"/w/{slug}/cards/{gone}/delete").status_code == 200
        for person in (facilitator, bram):
            for target in (card, gone):
                attempts = {
                    "hide": person.post(f"/w/{slug}/cards/{target}/hide"),
                    "restore": person.post(f"/w/{slug}/cards/{target}/restore"),
                    "history": person.get(f"/w/{slug}/cards/{target}/history"),
                    "restore-version": person.post(f"/w/{slug}/cards/{target}/restore-version", {"seq": "1"}),
                    "edit": person.post(f"/w/{slug}/cards/{target}", {"text": "overschreven"}),
                    "move": person.post(f"/w/{slug}/cards/{target}/move", {"phase_id": phases[1], "lane_id": lanes[1]}),
                    "delete": person.post(f"/w/{slug}/cards/{target}/delete"),
                    "tag": person.post(f"/w/{slug}/cards/{target}/tags", {"tag_id": tag, "on": "1"}),
                    "follow-up": person.post(f"/w/{slug}/cards/{target}/followup", {"note": "n", "owner": "", "status": "open"}),
                    "vote": person.post(f"/w/{slug}/cards/{target}/vote"),
                    "unvote": person.post(f"/w/{slug}/cards/{target}/unvote"),
                    "chart link": person.post(f"/w/{slug}/cards/{target}/steps", {"step_id": step, "linked": "1"}),
                }
                for what, r in attempts.items():
                    # Refused (404 for someone else's private card, 403 for a participant's facilitator
                    # route), and never with the text.
                    assert r.status_code in (403, 404), (what, target, r.status_code)
                    assert SECRET not in r.text, what
            # Undo is only ever one's own change; the bin, the board, the polling fallback, exports:
            # no text either.
            reads = [person.post(f"/w/{slug}/undo"), person.get(f"/w/{slug}"), person.get(f"/w/{slug}/changes?since=0"),
                     person.get(f"/w/{slug}/mine"), person.get(f"/w/{slug}/export.csv"), person.get(f"/w/{slug}/export.json")]
            if person is facilitator:
                reads.append(person.get(f"/w/{slug}/bin"))
            for r in reads:
                assert SECRET not in r.text, r.request.url
            assert SECRET not in pdf_text(person, slug)
        frames = fac_socket.drain() + bram_socket.drain()
        # A socket catching up from the start gets the whole board: no text there either.
        with bram.socket(slug) as late:
            frames += late.drain(quiet=0.5)
        assert frames and not any(SECRET in m for m in fac_socket.messages + bram_socket.messages + frames)
        # The author still has her card.
        assert SECRET + " kaart" in anna.get(f"/w/{slug}/mine").text
        # Nothing was changed by any of it.
        assert anna.post(f"/w/{slug}/cards/{card}", {"text": SECRET + " kaart"}).status_code == 200


def test_a_card_its_author_threw_away_before_the_reveal_stays_hers(room, facilitator):
    """The reveal shows what is on the board; a private card its author deleted was never shared,
    so it does not appear in the facilitator's bin, not even after the reveal."""
    ws, anna, bram, phases, lanes = room
    facilitator.post(f"/w/{ws.slug}/settings/private", {"value": "1"})
    kept = private_card(anna, ws.slug, phases[0], lanes[0], SECRET + " blijft")
    gone = private_card(anna, ws.slug, phases[0], lanes[0], SECRET + " weg")
    assert anna.post(f"/w/{ws.slug}/cards/{gone}/delete").status_code == 200
    assert SECRET not in facilitator.get(f"/w/{ws.slug}/bin").text
    assert facilitator.post(f"/w/{ws.slug}/reveal").status_code == 200
    assert SECRET + " blijft" in bram.get(f"/w/{ws.slug}").text
    for person in (facilitator, bram):
        assert SECRET + " weg" not in person.get(f"/w/{ws.slug}").text
    assert SECRET + " weg" not in facilitator.get(f"/w/{ws.slug}/bin").text
    assert facilitator.post(f"/w/{ws.slug}/cards/{gone}/restore").status_code == 404
    assert facilitator.post(f"/w/{ws.slug}/cards/{kept}/hide").status_code == 200
    assert SECRET + " blijft" in facilitator.get(f"/w/{ws.slug}/bin").text
