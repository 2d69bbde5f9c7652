"""The facilitator's controls: each enforced on the server, each refused to participants."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import ConnectionClosed

from tests.support import Person, card_texts


@pytest.fixture
def room(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, "Anna", "begeleider")
    bram.join(ws, "Bram", "cliënt")
    soup = facilitator.board(ws.slug)
    phases = [int(th["data-phase-id"]) for th in soup.select("th.phase")]
    lanes = [int(th["data-lane-id"]) for th in soup.select("th.lane")]
    return ws, anna, bram, phases, lanes


def card_id(person: Person, slug: str, text: str) -> int:
    return next(int(a["data-card-id"]) for a in person.board(slug).select("article.card")
                if a.select_one(".card-text").get_text() == text)


def controls(slug: str, phases: list[int], card: int, participant: int) -> list[tuple[str, str, dict]]:
    """Every facilitator control: (method, path, form)."""
    return [
        ("POST", f"/w/{slug}/settings/joining", {"value": "0"}),
        ("POST", f"/w/{slug}/settings/locked", {"value": "1"}),
        ("POST", f"/w/{slug}/phases/{phases[0]}/lock", {"value": "1"}),
        ("POST", f"/w/{slug}/focus", {"target": f"phase:{phases[1]}"}),
        ("POST", f"/w/{slug}/timer", {"action": "start", "minutes": "5"}),
        ("POST", f"/w/{slug}/settings/private", {"value": "1"}),
        ("POST", f"/w/{slug}/reveal", {}),
        ("POST", f"/w/{slug}/settings/anonymity", {"value": "none"}),
        ("POST", f"/w/{slug}/settings/title", {"title": "Gekaapt"}),
        ("POST", f"/w/{slug}/settings/closed", {"value": "1"}),
        ("POST", f"/w/{slug}/cards/{card}/hide", {}),
        ("POST", f"/w/{slug}/cards/{card}/restore", {}),
        ("GET", f"/w/{slug}/bin", {}),
        ("GET", f"/w/{slug}/participants", {}),
        ("POST", f"/w/{slug}/participants/{participant}/remove", {}),
        ("GET", f"/w/{slug}/links", {}),
        ("POST", f"/w/{slug}/links", {"label": "x"}),
        ("POST", f"/w/{slug}/links/1/revoke", {}),
    ]


def snapshot(person: Person, slug: str) -> str:
    soup = person.board(slug)
    parts = [soup.select_one("#session-state"), soup.select_one("#focus"), soup.select_one("#timer"),
             soup.select_one("#workshop-title"), soup.select_one("#board-root")]
    return "".join(str(p) for p in parts).replace(soup.select_one("#timer")["data-now"], "")


def test_every_control_is_refused_to_a_participant_over_http(room, facilitator):
    ws, anna, bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "kaart")
    card = card_id(anna, ws.slug, "kaart")
    people = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/participants").text, "html.parser")
    bram_id = int(next(b["hx-post"] for b in people.select("button[hx-post*='/remove']")
                       if "Bram" in b.parent.get_text()).split("/")[-2])
    before = snapshot(facilitator, ws.slug)
    for method, path, form in controls(ws.slug, phases, card, bram_id):
        r = anna.get(path) if method == "GET" else anna.post(path, form)
        assert r.status_code == 403, (path, r.status_code)
        assert "Alleen de facilitator" in r.text
    assert snapshot(facilitator, ws.slug) == before
    assert bram.board(ws.slug) is not None  # nobody was removed


def test_the_socket_takes_no_controls(room, facilitator):
    ws, anna, bram, phases, lanes = room
    before = snapshot(facilitator, ws.slug)
    with anna.socket(ws.slug) as s:
        s.drain()
        for frame in (
            {"type": "lock", "value": True}, {"type": "focus", "target": f"phase:{phases[1]}"},
            {"type": "timer", "action": "start", "minutes": 5}, {"type": "private", "value": True},
            {"type": "reveal"}, {"type": "anonymity", "value": "none"}, {"type": "close"},
            {"type": "remove", "participant": 1}, {"type": "rename", "title": "x"},
            {"type": "hello", "seq": 0, "locked": True, "closed": True},
        ):
            s.send(json.dumps(frame))
        s.drain()
    assert snapshot(facilitator, ws.slug) == before


def test_lock_board_and_phase(room, facilitator):
    ws, anna, bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "eerst")
    card = card_id(anna, ws.slug, "eerst")
    assert facilitator.post(f"/w/{ws.slug}/settings/locked", {"value": "1"}).status_code == 200
    assert BeautifulSoup(anna.get(f"/w/{ws.slug}").text, "html.parser").select_one("#session-state")["data-locked"] == "true"
    refused = [
        anna.add_card(ws.slug, phases[0], lanes[0], "tijdens slot"),
        anna.post(f"/w/{ws.slug}/cards/{card}", {"text": "gewijzigd"}),
        anna.post(f"/w/{ws.slug}/cards/{card}/move", {"phase_id": phases[1], "lane_id": lanes[0]}),
        anna.post(f"/w/{ws.slug}/cards/{card}/delete"),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert "op slot gezet" in refused[0].text
    # The facilitator still writes.
    assert facilitator.add_card(ws.slug, phases[0], lanes[0], "facilitator mag").status_code == 200
    facilitator.post(f"/w/{ws.slug}/settings/locked", {"value": "0"})
    # One phase locked: that phase only.
    facilitator.post(f"/w/{ws.slug}/phases/{phases[0]}/lock", {"value": "1"})
    r = anna.add_card(ws.slug, phases[0], lanes[1], "in fase 1")
    assert r.status_code == 403 and "Fase 1" in r.text
    assert anna.post(f"/w/{ws.slug}/cards/{card}/move", {"phase_id": phases[1], "lane_id": lanes[0]}).status_code == 403
    assert anna.add_card(ws.slug, phases[1], lanes[1], "in fase 2").status_code == 200
    soup = anna.board(ws.slug)
    assert "locked" in soup.select_one(f"#phase-{phases[0]}")["class"]
    assert sorted(card_texts(facilitator.board(ws.slug))) == ["eerst", "facilitator mag", "in fase 2"]


def test_closed_joining_refuses_new_people(room, facilitator, make_person):
    ws, *_ = room
    facilitator.post(f"/w/{ws.slug}/settings/joining", {"value": "0"})
    late = make_person()
    r = late.join(ws, "Laat")
    assert r.status_code == 403 and "gesloten" in r.text
    facilitator.post(f"/w/{ws.slug}/settings/joining", {"value": "1"})
    assert late.join(ws, "Laat").status_code == 200


def test_private_writing_never_sends_hidden_text_to_others(room, facilitator):
    ws, anna, bram, phases, lanes = room
    secret = "Geheime gedachte 4711"
    with bram.socket(ws.slug) as bram_socket, facilitator.socket(ws.slug) as fac_socket:
        bram_socket.drain()
        fac_socket.drain()
        facilitator.post(f"/w/{ws.slug}/settings/private", {"value": "1"})
        r = anna.add_card(ws.slug, phases[2], lanes[1], secret)
        assert r.status_code == 200
        # The author gets her own card, in her own private cell.
        mine = BeautifulSoup(r.text, "html.parser").select_one(f"#mine-{phases[2]}-{lanes[1]}")
        assert secret in mine.get_text()
        card = int(mine.select_one("article")["data-card-id"])
        anna.post(f"/w/{ws.slug}/cards/{card}", {"text": secret + " (bewerkt)"})
        anna.post(f"/w/{ws.slug}/cards/{card}/tags", {"tag_id": BeautifulSoup(anna.get(f"/w/{ws.slug}").text, "html.parser")
                                                     .select_one(".tag-toggle")["data-tag-id"], "on": "1"})
        # Others: a count, never the text (not in the page, not in any socket message, not in the revisit list).
        count = bram_socket.recv_until(lambda m: "nog privé" in m)
        assert "1 kaart is nog privé" in count
        received = bram_socket.messages + bram_socket.drain() + fac_socket.drain() + fac_socket.messages
        assert received and not any("Geheime gedachte" in m for m in received)
        for person in (bram, facilitator):
            assert "Geheime gedachte" not in person.get(f"/w/{ws.slug}").text
            assert person.post(f"/w/{ws.slug}/cards/{card}", {"text": "x"}).status_code == 404
            assert person.post(f"/w/{ws.slug}/cards/{card}/vote").status_code in (404, 422)
        assert "Geheime gedachte" in anna.get(f"/w/{ws.slug}").text
        assert "Geheime gedachte" in anna.get(f"/w/{ws.slug}/mine", headers={"HX-Request": "true"}).text
        assert "Geheime gedachte" not in bram.get(f"/w/{ws.slug}/mine", headers={"HX-Request": "true"}).text
        # The reveal shows every card to everyone at once.
        assert facilitator.post(f"/w/{ws.slug}/reveal").status_code == 200
        bram_socket.recv_until(lambda m: secret + " (bewerkt)" in m and 'id="board-root"' in m)
    assert secret + " (bewerkt)" in card_texts(bram.board(ws.slug))
    assert BeautifulSoup(bram.get(f"/w/{ws.slug}").text, "html.parser").select_one("#session-state")["data-private"] == "false"


def test_anonymity_names_roles_none(room, facilitator):
    ws, anna, bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "van Anna")
    authors = lambda: [a.get_text() for a in facilitator.board(ws.slug).select("article.card .card-author")]  # noqa: E731
    assert authors() == ["Anna (begeleider)"]
    facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "roles"})
    assert authors() == ["begeleider"]
    facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "none"})
    assert authors() == []
    assert "Anna (begeleider)" not in facilitator.get(f"/w/{ws.slug}").text.split('id="board-root"')[1]
    assert facilitator.post(f"/w/{ws.slug}/settings/anonymity", {"value": "iedereen"}).status_code == 422


def test_hide_delete_bin_and_restore(room, facilitator):
    ws, anna, bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "ongepast")
    anna.add_card(ws.slug, phases[0], lanes[0], "per ongeluk weg")
    bad, oops = card_id(anna, ws.slug, "ongepast"), card_id(anna, ws.slug, "per ongeluk weg")
    assert facilitator.post(f"/w/{ws.slug}/cards/{bad}/hide").status_code == 200
    assert bram.post(f"/w/{ws.slug}/cards/{oops}/delete").status_code == 200
    assert card_texts(bram.board(ws.slug)) == []
    assert "ongepast" not in bram.get(f"/w/{ws.slug}").text
    bin_html = facilitator.get(f"/w/{ws.slug}/bin").text
    assert "ongepast" in bin_html and "per ongeluk weg" in bin_html
    assert facilitator.post(f"/w/{ws.slug}/cards/{oops}/restore").status_code == 200
    assert card_texts(bram.board(ws.slug)) == ["per ongeluk weg"]
    assert anna.post(f"/w/{ws.slug}/cards/{bad}", {"text": "toch"}).status_code == 404


def test_removed_participant_loses_access_and_socket_but_cards_stay(room, facilitator):
    ws, anna, bram, phases, lanes = room
    bram.add_card(ws.slug, phases[0], lanes[0], "kaart van Bram")
    people = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/participants").text, "html.parser")
    remove = next(b["hx-post"] for b in people.select("button[hx-post*='/remove']") if "Bram" in b.parent.get_text())
    sock = bram.socket(ws.slug)
    sock.drain()
    assert facilitator.post(remove).status_code == 200
    with pytest.raises(ConnectionClosed):
        for _ in range(20):
            sock.conn.recv(timeout=2)
    assert bram.get(f"/w/{ws.slug}").status_code == 403
    assert bram.add_card(ws.slug, phases[0], lanes[0], "nog één").status_code == 403
    assert card_texts(anna.board(ws.slug)) == ["kaart van Bram"]
    assert "Bram" not in facilitator.get(f"/w/{ws.slug}/participants").text


def test_rename_and_close(room, facilitator):
    ws, anna, bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "voor sluiten")
    r = facilitator.post(f"/w/{ws.slug}/settings/title", {"title": "Nieuwe titel"})
    assert BeautifulSoup(r.text, "html.parser").select_one("#workshop-title").get_text() == "Nieuwe titel"
    assert facilitator.post(f"/w/{ws.slug}/settings/title", {"title": ""}).status_code == 422
    assert facilitator.post(f"/w/{ws.slug}/settings/closed", {"value": "1"}).status_code == 200
    card = card_id(anna, ws.slug, "voor sluiten")
    for person in (anna, facilitator):
        r = person.add_card(ws.slug, phases[0], lanes[0], "na sluiten")
        assert r.status_code == 403 and "gesloten" in r.text
        assert person.post(f"/w/{ws.slug}/cards/{card}/delete").status_code == 403
    assert facilitator.post(f"/w/{ws.slug}/phases").status_code == 403
    assert facilitator.post(f"/w/{ws.slug}/settings/locked", {"value": "1"}).status_code == 403
    assert card_texts(anna.board(ws.slug)) == ["voor sluiten"]  # still readable
    assert facilitator.post(f"/w/{ws.slug}/settings/closed", {"value": "0"}).status_code == 200
    assert anna.add_card(ws.slug, phases[0], lanes[0], "weer open").status_code == 200


def test_co_facilitator_link_and_revoke(room, facilitator, make_person):
    ws, anna, *_ = room
    r = facilitator.post(f"/w/{ws.slug}/links", {"label": "Mirjam"})
    link = BeautifulSoup(r.text, "html.parser").select_one("a.secret-link")["href"]
    co = make_person()
    co.get("/f/" + link.split("/f/")[1], follow_redirects=True)
    assert co.post(f"/w/{ws.slug}/settings/locked", {"value": "1"}).status_code == 200
    co.post(f"/w/{ws.slug}/settings/locked", {"value": "0"})
    link_id = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/links").text, "html.parser").select_one(
        "button[hx-post*='/revoke']")["hx-post"].split("/")[-2]
    assert facilitator.post(f"/w/{ws.slug}/links/{link_id}/revoke").status_code == 200
    assert co.post(f"/w/{ws.slug}/settings/locked", {"value": "1"}).status_code == 403
    assert make_person().get("/f/" + link.split("/f/")[1]).status_code == 404
    assert co.board(ws.slug) is not None  # still a participant


def test_timer_and_focus(room, facilitator, make_person):
    ws, anna, bram, phases, lanes = room
    r = facilitator.post(f"/w/{ws.slug}/timer", {"action": "start", "minutes": "2:30"})
    timer = BeautifulSoup(r.text, "html.parser").select_one("#timer")
    assert timer["data-total"] == "150" and timer["data-ends"]
    r = facilitator.post(f"/w/{ws.slug}/timer", {"action": "pause"})
    timer = BeautifulSoup(r.text, "html.parser").select_one("#timer")
    assert timer["data-ends"] == "" and 140 <= int(timer["data-remaining"]) <= 150
    assert facilitator.post(f"/w/{ws.slug}/timer", {"action": "resume"}).status_code == 200
    assert facilitator.post(f"/w/{ws.slug}/timer", {"action": "reset"}).status_code == 200
    for bad in ("0", "abc", "999", ""):
        assert facilitator.post(f"/w/{ws.slug}/timer", {"action": "start", "minutes": bad}).status_code == 422
    r = facilitator.post(f"/w/{ws.slug}/focus", {"target": f"lane:{lanes[2]}"})
    focus = BeautifulSoup(r.text, "html.parser").select_one("#focus")
    assert focus["data-kind"] == "lane" and focus["data-id"] == str(lanes[2]) and "Mensen" in focus.get_text()
    other = make_person()
    other_phase = other.cell_ids(other.create_workshop("B").slug)[0][0]
    assert facilitator.post(f"/w/{ws.slug}/focus", {"target": f"phase:{other_phase}"}).status_code == 404
    assert facilitator.post(f"/w/{ws.slug}/focus", {"target": "nergens"}).status_code == 422
    assert facilitator.post(f"/w/{ws.slug}/focus", {"target": ""}).status_code == 200
