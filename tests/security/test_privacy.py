"""Privacy over HTTP: the personal-data warning before a card is shared, deleting a workshop, a new
join link, the privacy page and its link on every page, the retention date for the facilitator."""

from __future__ import annotations

import re
import time

import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from tests import database
from tests.support import LiveServer, Person, card_ids_in, card_texts


@pytest.fixture
def room(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person("en")
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = facilitator.cell_ids(ws.slug)
    return ws, anna, bram, phases, lanes


def seq_of(person: Person, slug: str) -> int:
    return int(person.board(slug).select_one("#board-seq")["data-seq"])


@pytest.mark.parametrize(("text", "named"), [
    ("Mevr. Jansen, BSN 123456782, belt elke week", "burgerservicenummer"),
    ("Geboren 12-03-1958, woont alleen", "geboortedatum"),
    ("Mail naar j.jansen@example.nl als het niet lukt", "e-mailadres"),
    ("Zoon belt via 06-12345678", "telefoonnummer"),
])
def test_a_card_that_looks_personal_is_not_shared_before_its_author_confirms(room, facilitator, text, named):
    ws, anna, bram, phases, lanes = room
    watcher = bram.socket(ws.slug)
    watcher.drain()
    seq = seq_of(facilitator, ws.slug)
    r = anna.add_card(ws.slug, phases[0], lanes[0], text)
    assert r.status_code == 422
    soup = BeautifulSoup(r.text, "html.parser")
    assert named in soup.select_one(".personal-data-warning .error-message").get_text()
    assert soup.select_one("input[type=hidden][name=confirm_personal_data]")["value"] == "1"
    assert soup.select_one("button[type=submit]").get_text(strip=True) == "Toch opslaan"
    # Nothing stored, nothing sent to anyone.
    assert seq_of(facilitator, ws.slug) == seq
    assert not any(text in m for m in watcher.drain(quiet=0.5))
    assert text not in facilitator.get(f"/w/{ws.slug}").text
    # "Save anyway": now it is shared.
    r = anna.post(f"/w/{ws.slug}/cards", {"phase_id": phases[0], "lane_id": lanes[0], "text": text,
                                          "confirm_personal_data": "1"}, headers={"HX-Target": "card-error"})
    assert r.status_code == 200
    watcher.recv_until(lambda m: text in m)
    watcher.close()


def test_the_warning_speaks_the_authors_language_and_names_every_kind(room):
    ws, _anna, bram, phases, lanes = room
    r = bram.add_card(ws.slug, phases[0], lanes[0], "call 020-1234567 or mail a@b.nl, born 3 March 1950")
    assert r.status_code == 422
    message = BeautifulSoup(r.text, "html.parser").select_one(".error-message").get_text()
    assert "Save anyway" in r.text
    for kind in ("a date of birth", "an e-mail address", "a phone number"):
        assert kind in message


def test_without_htmx_target_the_warning_still_reaches_the_form(room):
    ws, anna, _bram, phases, lanes = room
    r = anna.post(f"/w/{ws.slug}/cards", {"phase_id": phases[0], "lane_id": lanes[0], "text": "BSN 123456782"})
    # Retargeted to the toast, the fields still belong to the card form (form="card-form").
    assert r.status_code == 422 and r.headers["hx-retarget"] == "#toast"
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.select_one("input[name=confirm_personal_data]")["form"] == "card-form"
    assert soup.select_one("button[type=submit]")["form"] == "card-form"


def test_an_edit_asks_only_about_what_is_new(room, facilitator):
    ws, anna, _bram, phases, lanes = room
    r = anna.post(f"/w/{ws.slug}/cards", {"phase_id": phases[0], "lane_id": lanes[0], "text": "BSN 123456782",
                                          "confirm_personal_data": "1"})
    card = card_ids_in(r.text)[0]
    # Confirmed once: changing other words is no new question.
    assert anna.post(f"/w/{ws.slug}/cards/{card}", {"text": "BSN 123456782, vraagt om hulp"}).status_code == 200
    r = anna.post(f"/w/{ws.slug}/cards/{card}", {"text": "BSN 123456782, mail a@b.nl"})
    assert r.status_code == 422 and "e-mailadres" in r.text and "burgerservicenummer" not in r.text
    assert card_texts(facilitator.board(ws.slug)) == ["BSN 123456782, vraagt om hulp"]


def test_ordinary_cards_are_not_questioned(room):
    ws, anna, _bram, phases, lanes = room
    for text in ("Cliënt belt de helpdesk", "Fase 2 van 7, versie 1.2.3", "Wachttijd 14 dagen, 1000 meldingen per jaar",
                 "Release 12-03-2099 gepland"):
        assert anna.add_card(ws.slug, phases[0], lanes[0], text).status_code == 200, text


def stored(server, slug: str) -> bool:
    return database.read(server.data_dir / "sessions", lambda conn: database.workshop_id(conn, slug) is not None)


def test_the_facilitator_deletes_a_workshop_with_everything_in_it(room, facilitator, server):
    ws, anna, _bram, phases, lanes = room
    anna.add_card(ws.slug, phases[0], lanes[0], "weg ermee")
    sock = anna.socket(ws.slug)
    sock.drain()
    # Participants cannot; the facilitator must tick the box.
    assert anna.post(f"/w/{ws.slug}/delete", {"confirm": "1"}, htmx=False).status_code == 403
    r = facilitator.post(f"/w/{ws.slug}/delete", {}, htmx=False)
    assert r.status_code == 422 and "Zet een vinkje" in r.text
    assert stored(server, ws.slug)
    r = facilitator.post(f"/w/{ws.slug}/delete", {"confirm": "1"}, htmx=False)
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=1"
    assert f'zl_m_{ws.slug}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    assert "De workshop is verwijderd" in facilitator.get("/?deleted=1").text
    assert not stored(server, ws.slug)
    # Open boards hear it, and their socket closes for good (4401: no reconnect).
    sock.recv_until(lambda m: 'id="workshop-deleted"' in m)
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(20):
            sock.conn.recv(timeout=2)
    assert closed.value.rcvd.code == 4401
    for person, path in ((anna, f"/w/{ws.slug}"), (anna, "/j/" + ws.join_link.split("/j/")[1]),
                         (facilitator, "/f/" + ws.facilitator_link.split("/f/")[1])):
        assert person.get(path).status_code == 404


def test_a_new_join_link_and_code_replace_the_old_ones(room, facilitator, make_person):
    ws, anna, _bram, phases, lanes = room
    old_token = ws.join_link.split("/j/")[1]
    assert anna.post(f"/w/{ws.slug}/settings/join-link").status_code == 403
    r = facilitator.post(f"/w/{ws.slug}/settings/join-link")
    assert r.status_code == 200 and r.headers["hx-refresh"] == "true"
    soup = facilitator.board(ws.slug)
    new_link, new_code = soup.select_one("a.join-link")["href"], soup.select_one(".join-code").get_text(strip=True)
    assert new_link.split("/j/")[1] != old_token and new_code != ws.join_code
    latecomer = make_person()
    assert latecomer.get(f"/j/{old_token}").status_code == 404
    assert latecomer.post("/code", {"code": ws.join_code}, htmx=False).status_code == 404
    assert latecomer.post("/code", {"code": new_code}, htmx=False, follow_redirects=True).status_code == 200
    assert latecomer.post("/j/" + new_link.split("/j/")[1], {"name": "Later"}, htmx=False).status_code == 303
    # Whoever was in stays in; the QR code is never served from a stale cache.
    assert anna.add_card(ws.slug, phases[0], lanes[0], "nog steeds binnen").status_code == 200
    assert "no-cache" in facilitator.get(f"/w/{ws.slug}/qr.svg").headers["cache-control"]


def test_the_privacy_page_says_what_where_and_how_long(make_person, server):
    nl = make_person().get("/privacy")
    engine = "SQLite" if database.url(server.data_dir / "sessions").startswith("sqlite") else "PostgreSQL"
    assert nl.status_code == 200
    text = BeautifulSoup(nl.text, "html.parser").select_one("main").get_text(" ", strip=True)
    for words in ("Wat wordt bewaard", "Waar", "Hoe lang", "90 dagen na de laatste wijziging", engine,
                  "zl_m_", "csrftoken", "zl_lang", "privacyfunctionaris"):
        assert words in text, words
    en = make_person("en").get("/privacy").text
    assert "What is stored" in en and "90 days after its last change" in en


def test_every_page_links_to_the_privacy_page(room, facilitator, make_person):
    ws, anna, _bram, _phases, _lanes = room
    stranger = make_person()
    pages = {
        "home": stranger.get("/"), "join": stranger.get("/j/" + ws.join_link.split("/j/")[1]),
        "board (facilitator)": facilitator.get(f"/w/{ws.slug}"), "board (participant)": anna.get(f"/w/{ws.slug}"),
        "not a member": stranger.get(f"/w/{ws.slug}"), "error": stranger.get("/j/bestaat-niet"),
        "privacy": stranger.get("/privacy"),
    }
    for name, r in pages.items():
        footer = BeautifulSoup(r.text, "html.parser").select_one("footer.site-footer a[href='/privacy']")
        assert footer is not None, name


def test_the_facilitator_sees_when_the_workshop_will_be_deleted(room, facilitator):
    ws, anna, _bram, _phases, _lanes = room
    controls = facilitator.board(ws.slug).select_one("#privacy-controls")
    note = controls.select_one(".retention-note").get_text(" ", strip=True)
    assert re.search(r"90 dagen na de laatste wijziging: als er tot dan niets verandert, op \d{1,2} \w+ \d{4}", note), note
    assert controls.select_one("form[action$='/delete'] input[name=confirm][required]") is not None
    assert anna.board(ws.slug).select_one("#privacy-controls") is None


def files_holding(folder, needle: str) -> list[str]:
    """Every file under `folder` whose bytes hold `needle` (UTF-8): the database, its WAL, exports."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            found.append(str(path.relative_to(folder)))
    return found


def test_deleting_a_workshop_leaves_nothing_of_it_on_disk(tmp_path):
    """Issue 16, point 4: its rows (also in SQLite's WAL and free pages) and its PDFs under exports/."""
    srv = LiveServer(tmp_path).start()
    try:
        fac = Person(srv.url)
        ws = fac.create_workshop("Zorgoverleg Verwijderbaar")
        kept = fac.create_workshop("Blijft bestaan")
        phases, lanes = fac.cell_ids(ws.slug)
        secret = "Mevrouw Wegwezen belt elke dinsdag"
        assert fac.add_card(ws.slug, phases[0], lanes[0], secret).status_code == 200
        card = card_ids_in(fac.add_card(ws.slug, phases[1], lanes[0], "Tweede kaart Wegwezen").text)[0]
        assert fac.post(f"/w/{ws.slug}/cards/{card}", {"text": "Tweede kaart Wegwezen, bewerkt"}).status_code == 200
        r = fac.post(f"/w/{ws.slug}/export/pdf")
        job = BeautifulSoup(r.text, "html.parser").select_one("#pdf-status")["hx-get"].rstrip("/").split("/")[-1]
        for _ in range(200):
            if "running" not in fac.get(f"/w/{ws.slug}/export/pdf/{job}").text:
                break
            time.sleep(0.3)
        exports = tmp_path / "exports" / ws.slug
        assert any(p.suffix == ".pdf" for p in exports.iterdir())
        if not Settings.from_env().database_url:  # SQLite: the test can find it while it exists
            assert files_holding(tmp_path / "sessions", "Wegwezen")
        assert fac.post(f"/w/{ws.slug}/delete", {"confirm": "1"}, htmx=False).status_code == 303
        assert not exports.exists()
        for needle in ("Wegwezen", "Zorgoverleg Verwijderbaar", ws.slug):
            assert files_holding(tmp_path / "sessions", needle) == [], needle
            assert files_holding(tmp_path / "exports", needle) == [], needle
        # The other workshop is untouched.
        assert fac.get(f"/w/{kept.slug}").status_code == 200
    finally:
        srv.stop()
