"""Co-facilitators: once their link is revoked they can do nothing a participant cannot, by any link
they ever saw (issue 16, point 3). So they are never shown the workshop's own facilitator link, and
links they made die with theirs."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import text

from tests import database
from tests.support import Person

FACILITATOR_LINK = re.compile(r"/f/[A-Za-z0-9_-]+")


def links_in(*pages: str) -> set[str]:
    return {m.group(0) for page in pages for m in FACILITATOR_LINK.finditer(page)}


def can_facilitate(person: Person, slug: str) -> bool:
    return person.post(f"/w/{slug}/settings/locked", {"value": "0"}).status_code == 200


def test_a_revoked_co_facilitator_gets_back_in_by_no_link_they_saw(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    master = "/f/" + ws.facilitator_link.split("/f/")[1]
    r = facilitator.post(f"/w/{ws.slug}/links", {"label": "Mirjam"})
    link = BeautifulSoup(r.text, "html.parser").select_one("a.secret-link")["href"]
    co = make_person()
    co.get("/f/" + link.split("/f/")[1], follow_redirects=True)
    assert can_facilitate(co, ws.slug)
    # What the co-facilitator sees: never the workshop's own link, nor links others made.
    other = BeautifulSoup(facilitator.post(f"/w/{ws.slug}/links", {"label": "Iemand anders"}).text, "html.parser")
    others_link = "/f/" + other.select("a.secret-link")[-1]["href"].split("/f/")[1]
    made = co.post(f"/w/{ws.slug}/links", {"label": "Mijn collega"})
    assert made.status_code == 200
    own_link = co.get(f"/w/{ws.slug}/facilitator-link")  # the drawer's "show my facilitator link"
    assert own_link.status_code == 403
    assert master in facilitator.get(f"/w/{ws.slug}/facilitator-link").text
    seen = links_in(co.get(f"/w/{ws.slug}").text, co.get(f"/w/{ws.slug}/links").text, made.text, own_link.text)
    assert master not in seen and others_link not in seen
    own = seen - {"/f/" + link.split("/f/")[1]}
    assert len(own) == 1  # the one they made
    colleague = make_person()
    colleague.get(next(iter(own)), follow_redirects=True)
    assert can_facilitate(colleague, ws.slug)
    # A co-facilitator cannot revoke what they were not shown.
    others_id = other.select("button[hx-post*='/revoke']")[-1]["hx-post"].split("/")[-2]
    assert co.post(f"/w/{ws.slug}/links/{others_id}/revoke").status_code == 404

    link_id = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/links").text, "html.parser").select(
        "button[hx-post*='/revoke']")[0]["hx-post"].split("/")[-2]
    assert facilitator.post(f"/w/{ws.slug}/links/{link_id}/revoke").status_code == 200
    # Every link they ever saw, from their own browser and from a fresh one: no facilitator comes of it.
    for path in seen:
        co.get(path)
        fresh = make_person()
        fresh.get(path)
        for person in (co, fresh):
            assert not can_facilitate(person, ws.slug), path
    # The link they made died with theirs, and whoever came in by it is a participant again.
    assert not can_facilitate(colleague, ws.slug)
    assert colleague.get(f"/w/{ws.slug}").status_code == 200
    # The workshop's own facilitator is untouched.
    assert can_facilitate(facilitator, ws.slug)


def test_a_co_facilitator_cannot_remove_the_workshops_own_facilitator(server, facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    r = facilitator.post(f"/w/{ws.slug}/links", {"label": "Mirjam"})
    link = BeautifulSoup(r.text, "html.parser").select_one("a.secret-link")["href"]
    co, anna = make_person(), make_person()
    co.get("/f/" + link.split("/f/")[1], follow_redirects=True)
    anna.join(ws, "Anna")

    def own_facilitator(conn) -> int:  # the workshop's first participant: whoever created it
        found = database.workshop_id(conn, ws.slug)
        return conn.execute(text("SELECT min(id) FROM participant WHERE workshop_id = :w"), {"w": found}).scalar()

    own_id = database.read(server.data_dir / "sessions", own_facilitator)
    people = BeautifulSoup(co.get(f"/w/{ws.slug}/participants").text, "html.parser")
    removable = [b["hx-post"] for b in people.select("button[hx-post$='/remove']")]
    assert removable == [f"/w/{ws.slug}/participants/{b.split('/')[-2]}/remove" for b in removable]
    assert not any(f"/participants/{own_id}/" in b for b in removable), "no button that can only fail"
    refused = co.post(f"/w/{ws.slug}/participants/{own_id}/remove")
    assert refused.status_code == 403
    assert "co-facilitator" in refused.text
    assert can_facilitate(facilitator, ws.slug)
    # Anyone else they may remove, as facilitators do.
    assert len(removable) == 1 and co.post(removable[0]).status_code == 200
