"""Cards over HTTP, as htmx sends them: add, edit, move, delete, bad input, other workshops."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.support import Person, card_texts


def setup_board(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna", "begeleider")
    phases, lanes = anna.cell_ids(ws.slug)
    return ws, anna, phases, lanes


def test_add_card_answers_with_an_oob_cell_fragment(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    r = anna.add_card(ws.slug, phases[0], lanes[0], "Cliënt belt de helpdesk")
    assert r.status_code == 200
    assert "zl:card-saved" in r.headers["hx-trigger"]
    soup = BeautifulSoup(r.text, "html.parser")
    cell = soup.select_one(f"#cards-{phases[0]}-{lanes[0]}")
    assert cell["hx-swap-oob"] == "true"
    assert [a.select_one(".card-text").get_text() for a in cell.select("article")] == ["Cliënt belt de helpdesk"]
    assert "Anna (begeleider)" in cell.get_text()
    assert int(soup.select_one("#board-seq")["data-seq"]) >= 1
    # The board page shows it too, with its author.
    board = facilitator.board(ws.slug)
    assert card_texts(board) == ["Cliënt belt de helpdesk"]


def test_edit_move_and_delete(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "eerste versie")
    card_id = int(facilitator.board(ws.slug).select_one("article.card")["data-card-id"])

    r = facilitator.post(f"/w/{ws.slug}/cards/{card_id}", {"text": "tweede versie"})
    assert r.status_code == 200
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.select_one(f"#card-{card_id}")["hx-swap-oob"] == "true"
    assert card_texts(anna.board(ws.slug)) == ["tweede versie"]

    r = anna.post(f"/w/{ws.slug}/cards/{card_id}/move", {"phase_id": phases[2], "lane_id": lanes[3]})
    assert r.status_code == 200
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.select_one(f"#cards-{phases[0]}-{lanes[0]}").select("article") == []
    assert soup.select_one(f"#cards-{phases[2]}-{lanes[3]}").select_one(f"#card-{card_id}") is not None
    board = anna.board(ws.slug)
    assert board.select_one(f"td[data-phase-id='{phases[2]}'][data-lane-id='{lanes[3]}'] article.card") is not None

    # Edit with a move in one save (the phone's "Move to" fields).
    r = anna.post(f"/w/{ws.slug}/cards/{card_id}", {"text": "derde", "phase_id": phases[1], "lane_id": lanes[1]})
    assert r.status_code == 200
    board = anna.board(ws.slug)
    assert board.select_one(f"td[data-phase-id='{phases[1]}'][data-lane-id='{lanes[1]}'] .card-text").get_text() == "derde"

    r = anna.post(f"/w/{ws.slug}/cards/{card_id}/delete")
    assert r.status_code == 200
    cell = BeautifulSoup(r.text, "html.parser").select_one(f"#cards-{phases[1]}-{lanes[1]}")
    assert cell["hx-swap-oob"] == "true" and cell.select("article") == []
    assert card_texts(facilitator.board(ws.slug)) == []


def test_empty_card_gets_a_clear_message_in_the_users_language(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    r = anna.add_card(ws.slug, phases[0], lanes[0], "   ")
    assert r.status_code == 422
    assert "Schrijf eerst iets op de kaart" in r.text
    assert "hx-retarget" not in r.headers  # shown in the form's own error region
    en = make_person("en")
    en.join(ws, "Eve")
    r = en.add_card(ws.slug, phases[0], lanes[0], "")
    assert r.status_code == 422 and "A card needs some text." in r.text
    assert card_texts(facilitator.board(ws.slug)) == []


def test_ten_thousand_characters_are_refused_and_nothing_changes(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "bestaande kaart")
    r = anna.add_card(ws.slug, phases[0], lanes[0], "x" * 10_000)
    assert r.status_code == 422
    assert "hoogstens 1000 tekens" in r.text and "10000" in r.text
    assert card_texts(facilitator.board(ws.slug)) == ["bestaande kaart"]


def test_markup_in_a_card_is_shown_as_text(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    r = anna.add_card(ws.slug, phases[0], lanes[0], evil)
    assert r.status_code == 200
    page = facilitator.get(f"/w/{ws.slug}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert card_texts(BeautifulSoup(page, "html.parser")) == [evil]
    assert "<script>alert" not in r.text


def test_a_card_in_a_cell_of_another_workshop_is_refused(facilitator, make_person):
    ws_a, anna, phases_a, lanes_a = setup_board(facilitator, make_person)
    ws_b = facilitator.create_workshop("B")
    phases_b, lanes_b = facilitator.cell_ids(ws_b.slug)
    # Anna (of A) posts into A's URL with B's cell ids.
    r = anna.add_card(ws_a.slug, phases_b[0], lanes_b[0], "verkeerd bord")
    assert r.status_code == 404
    # Anna posts into B's URL: she is no member of B.
    r = anna.add_card(ws_b.slug, phases_b[0], lanes_b[0], "verkeerd bord")
    assert r.status_code == 403
    # A card of B cannot be edited, moved or deleted through A.
    facilitator.add_card(ws_b.slug, phases_b[0], lanes_b[0], "kaart van B")
    card_b = int(facilitator.board(ws_b.slug).select_one("article.card")["data-card-id"])
    assert anna.post(f"/w/{ws_a.slug}/cards/{card_b}", {"text": "gekaapt"}).status_code == 404
    assert anna.post(f"/w/{ws_a.slug}/cards/{card_b}/move", {"phase_id": phases_a[0], "lane_id": lanes_a[0]}).status_code == 404
    assert anna.post(f"/w/{ws_a.slug}/cards/{card_b}/delete").status_code == 404
    assert anna.post(f"/w/{ws_b.slug}/cards/{card_b}/delete").status_code == 403
    assert card_texts(facilitator.board(ws_b.slug)) == ["kaart van B"]
    assert card_texts(facilitator.board(ws_a.slug)) == []


def test_garbage_ids_get_a_clear_answer(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    # Not a number at all (or none): the typed form refuses it before any service runs.
    for data in ({"phase_id": "abc", "lane_id": lanes[0]}, {"phase_id": "1.5", "lane_id": lanes[0]}, {}):
        r = anna.post(f"/w/{ws.slug}/cards", {**data, "text": "x"}, headers={"HX-Target": "card-error"})
        assert r.status_code == 400 and "waarde die niet te lezen is" in r.text, r.text
    # A number that names nothing of this board: the lookup says so.
    for number in ("-1", str(10**30)):
        r = anna.post(f"/w/{ws.slug}/cards", {"phase_id": number, "lane_id": lanes[0], "text": "x"}, headers={"HX-Target": "card-error"})
        assert r.status_code in (404, 422) and "bestaat niet (meer)" in r.text, r.text
    assert card_texts(facilitator.board(ws.slug)) == []


def test_missing_card_is_a_404_that_tells_the_user(facilitator, make_person):
    ws, anna, phases, lanes = setup_board(facilitator, make_person)
    r = anna.post(f"/w/{ws.slug}/cards/999999", {"text": "x"})
    assert r.status_code == 404 and "Iemand anders heeft deze kaart verwijderd" in r.text
    assert r.headers["hx-retarget"] == "#toast"
