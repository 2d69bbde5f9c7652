"""Tags, follow-ups and dot voting over HTTP (htmx headers) and the socket."""

from __future__ import annotations

import json
import threading

from bs4 import BeautifulSoup

from tests.support import Person


def setup_room(facilitator: Person, make_person, n_people: int = 1):
    ws = facilitator.create_workshop()
    people = []
    for i in range(n_people):
        p = make_person()
        p.join(ws, f"P{i}")
        people.append(p)
    soup = facilitator.board(ws.slug)
    phases = [int(th["data-phase-id"]) for th in soup.select("th.phase")]
    lanes = [int(th["data-lane-id"]) for th in soup.select("th.lane")]
    tags = {b.get_text(" ", strip=True).split(" ", 1)[1]: int(b["data-tag-id"]) for b in soup.select("#tag-buttons .tag-toggle")}
    return ws, people, phases, lanes, tags


def first_card_id(person: Person, slug: str, text: str) -> int:
    soup = person.board(slug)
    return next(int(a["data-card-id"]) for a in soup.select("article.card") if a.select_one(".card-text").get_text() == text)


def test_tag_a_card_shows_chip_heat_count_and_revisit(facilitator, make_person):
    ws, (anna,), phases, lanes, tags = setup_room(facilitator, make_person)
    assert list(tags) == ["informeel", "twijfelachtig", "inconsistent", "aanname", "handmatig oordeel",
                          "niet-gedocumenteerde kennis", "knelpunt"]
    anna.add_card(ws.slug, phases[1], lanes[2], "Wie helpt er eerst?")
    card = first_card_id(anna, ws.slug, "Wie helpt er eerst?")
    r = anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": tags["informeel"], "on": "1"})
    assert r.status_code == 200
    soup = BeautifulSoup(r.text, "html.parser")
    cell = soup.select_one(f"#cards-{phases[1]}-{lanes[2]}")
    assert "heat-1" in cell["class"]
    assert cell.select_one(".heat-count").get_text(" ", strip=True).startswith("1")
    chip = cell.select_one(f"#card-{card} .tag")
    assert chip.select_one(".tag-letter").get_text() == "I" and "informeel" in chip.get_text()
    revisit = soup.select_one("#revisit")
    assert revisit["hx-swap-oob"] == "true" and "Wie helpt er eerst?" in revisit.get_text()
    # The page itself shows it the same way, for anyone who loads it later.
    page = facilitator.board(ws.slug)
    assert page.select_one(f"#card-{card}")["data-tags"].split() == [str(tags["informeel"])]
    assert "Wie helpt er eerst?" in page.select_one("#revisit").get_text()
    # Off again.
    anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": tags["informeel"], "on": "0"})
    assert facilitator.board(ws.slug).select_one(f"#card-{card} .tag") is None


def test_tags_and_cards_of_another_workshop_are_refused(facilitator, make_person):
    ws, (anna,), phases, lanes, tags = setup_room(facilitator, make_person)
    other = make_person()
    ws_b = other.create_workshop("B")
    tag_b = int(other.board(ws_b.slug).select_one("#tag-buttons .tag-toggle")["data-tag-id"])
    anna.add_card(ws.slug, phases[0], lanes[0], "kaart A")
    card = first_card_id(anna, ws.slug, "kaart A")
    assert anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": tag_b, "on": "1"}).status_code == 404
    assert anna.post(f"/w/{ws_b.slug}/cards/{card}/tags", {"tag_id": tag_b, "on": "1"}).status_code == 403
    assert anna.post(f"/w/{ws_b.slug}/cards/{card}/followup", {"note": "x", "owner": "", "status": "open"}).status_code == 403
    assert facilitator.board(ws.slug).select_one(f"#card-{card} .tag") is None


def test_followup_updates_the_revisit_list(facilitator, make_person):
    ws, (anna,), phases, lanes, tags = setup_room(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[3], "Geen vaste afspraak")
    card = first_card_id(anna, ws.slug, "Geen vaste afspraak")
    anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": tags["knelpunt"], "on": "1"})
    r = facilitator.post(f"/w/{ws.slug}/cards/{card}/followup", {"note": "Afspraak vastleggen", "owner": "Fatima", "status": "resolved"})
    assert r.status_code == 200 and "zl:dialog-done" in r.headers["hx-trigger"]
    item = BeautifulSoup(r.text, "html.parser").select_one("#revisit .revisit-item")
    assert "status-resolved" in item["class"]
    assert "Fatima" in item.get_text() and "Afspraak vastleggen" in item.get_text()
    bad = facilitator.post(f"/w/{ws.slug}/cards/{card}/followup", {"note": "", "owner": "", "status": "klaar"},
                           headers={"HX-Target": "followup-error"})
    assert bad.status_code == 422 and "Kies open of opgelost" in bad.text


def test_own_tags_are_for_the_facilitator(facilitator, make_person):
    ws, (anna,), *_ = setup_room(facilitator, make_person)
    assert anna.post(f"/w/{ws.slug}/tags", {"name": "Privacy", "letter": "P", "colour": "green"}).status_code == 403
    assert anna.get(f"/w/{ws.slug}/tags/new").status_code == 403
    r = facilitator.post(f"/w/{ws.slug}/tags", {"name": "Privacy", "letter": "P", "colour": "green"})
    assert r.status_code == 200
    soup = BeautifulSoup(r.text, "html.parser")
    assert "Privacy" in soup.select_one("#tag-filter").get_text()
    assert "Privacy" in soup.select_one("#tag-buttons").get_text()
    assert "Privacy" in anna.board(ws.slug).select_one("#tag-buttons").get_text()


def test_a_fourth_vote_is_refused_with_a_message(facilitator, make_person):
    ws, (anna,), phases, lanes, _ = setup_room(facilitator, make_person)
    for i in range(4):
        anna.add_card(ws.slug, phases[0], lanes[0], f"optie {i}")
    ids = [first_card_id(anna, ws.slug, f"optie {i}") for i in range(4)]
    # Before a round: refused.
    r = anna.post(f"/w/{ws.slug}/cards/{ids[0]}/vote")
    assert r.status_code == 422 and "De facilitator start een stemronde" in r.text
    assert anna.post(f"/w/{ws.slug}/votes/start", {"votes": "3"}).status_code == 403
    # An open round (not blind): counts show while it runs.
    assert facilitator.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind": "0"}).status_code == 200
    for i in range(3):
        r = anna.post(f"/w/{ws.slug}/cards/{ids[i]}/vote")
        assert r.status_code == 200
        assert f"Je hebt nog {2 - i} stem" in BeautifulSoup(r.text, "html.parser").select_one("#my-votes").get_text()
    r = anna.post(f"/w/{ws.slug}/cards/{ids[3]}/vote")
    assert r.status_code == 409
    assert "Je hebt al je 3 stemmen gebruikt" in r.text and r.headers["hx-retarget"] == "#toast"
    board = facilitator.board(ws.slug)
    assert board.select_one(f"#card-{ids[3]} .card-votes") is None
    assert [li.select_one(".vote-count").get_text() for li in board.select("#vote-panel li")] == ["1 stem"] * 3
    # Take one back, then the fourth goes through.
    assert anna.post(f"/w/{ws.slug}/cards/{ids[0]}/unvote").status_code == 200
    assert anna.post(f"/w/{ws.slug}/cards/{ids[3]}/vote").status_code == 200
    # The socket is no route for votes: a vote frame changes nothing.
    with anna.socket(ws.slug) as s:
        s.drain()
        for frame in ({"type": "vote", "card": ids[1]}, {"type": "hello", "seq": 0, "vote": ids[1]}):
            s.send(json.dumps(frame))
        s.drain()
    assert anna.post(f"/w/{ws.slug}/cards/{ids[1]}/vote").status_code == 409
    assert facilitator.post(f"/w/{ws.slug}/votes/end").status_code == 200
    assert anna.post(f"/w/{ws.slug}/cards/{ids[1]}/unvote").status_code == 422
    results = facilitator.board(ws.slug).select("#vote-panel li")
    assert len(results) == 3 and "Uitslag van de laatste ronde" in facilitator.board(ws.slug).select_one("#vote-panel").get_text()


def test_simultaneous_votes_cannot_overspend_the_budget(facilitator, make_person):
    ws, (anna,), phases, lanes, _ = setup_room(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "populair")
    card = first_card_id(anna, ws.slug, "populair")
    facilitator.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind": "0"})
    statuses = []
    barrier = threading.Barrier(8)

    def vote():
        barrier.wait()
        statuses.append(anna.post(f"/w/{ws.slug}/cards/{card}/vote").status_code)

    threads = [threading.Thread(target=vote) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 3 + [409] * 5
    assert facilitator.board(ws.slug).select_one(f"#card-{card} .card-votes").get_text(" ", strip=True).startswith("● 3")


def test_a_tag_reaches_other_sockets(facilitator, make_person):
    ws, (anna, bram), phases, lanes, tags = setup_room(facilitator, make_person, n_people=2)
    anna.add_card(ws.slug, phases[0], lanes[0], "live label")
    card = first_card_id(anna, ws.slug, "live label")
    with bram.socket(ws.slug) as s:
        s.drain()
        anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": tags["aanname"], "on": "1"})
        msg = s.recv_until(lambda m: f'id="card-{card}"' in m and "aanname" in m)
        assert 'id="revisit"' in msg and "heat-1" in msg
