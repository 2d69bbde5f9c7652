"""Limits with clear errors: guessing join codes and access codes, changes and socket messages per
participant, cards per board, lengths. Each against a server with tight limits of its own."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from tests import database
from tests.support import LiveServer, Person, card_ids_in

TIGHT = {
    "CODE_ATTEMPTS_PER_IP": "3", "CODE_ATTEMPTS_GLOBAL": "1000", "CODE_ATTEMPT_WINDOW": "3600",
    # Refills so slowly that no test here ever sees a refill.
    "MUTATION_BURST": "5", "MUTATIONS_PER_SECOND": "0.0001",
    "SOCKET_BURST": "5", "SOCKET_MESSAGES_PER_SECOND": "0.0001",
    "MAX_CARDS_PER_BOARD": "6",
}
ACCESS_CODE = "sesam-open-je"


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory):
    srv = LiveServer(tmp_path_factory.mktemp("tight"), env=TIGHT).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def access_server(tmp_path_factory):
    srv = LiveServer(tmp_path_factory.mktemp("access"), env={**TIGHT, "ACCESS_CODE": ACCESS_CODE}).start()
    yield srv
    srv.stop()


def test_settings_read_the_limits_from_the_environment():
    s = Settings.from_env({**TIGHT, "ACCESS_CODE": " x ", "RETENTION_DAYS": "30"})
    assert (s.code_attempts_per_ip, s.code_attempts_global, s.code_attempt_window) == (3, 1000, 3600)
    assert (s.mutation_burst, s.socket_burst, s.max_cards_per_board) == (5, 5, 6)
    assert s.access_code == "x" and s.retention_days == 30
    defaults = Settings.from_env({})
    assert defaults.access_code == "" and defaults.retention_days == 90 and defaults.max_cards_per_board == 1000


def test_guessing_join_codes_is_cut_off_per_client(tight_server):
    fac = Person(tight_server.url)
    ws = fac.create_workshop()
    guesser = Person(tight_server.url)
    for code in ("AAA-AAA", "BBB-BBB", "CCC-CCC"):
        r = guesser.post("/code", {"code": code}, htmx=False)
        assert r.status_code == 404 and "geen workshop met deze code" in r.text
    # From now on every attempt from this address is refused, right or wrong, with a clear message.
    for code in ("DDD-DDD", ws.join_code):
        r = guesser.post("/code", {"code": code}, htmx=False)
        assert r.status_code == 429 and "te veel verkeerde codes" in r.text
        assert int(r.headers["retry-after"]) > 0
    english = Person(tight_server.url, lang="en")
    r = english.post("/code", {"code": ws.join_code}, htmx=True, headers={"HX-Target": "code-error"})
    assert r.status_code == 429 and "Too many wrong codes" in r.text
    # The link (128 bits) is no guess: it still works.
    assert guesser.join(ws, "Anna").status_code == 200


def test_changes_per_participant_are_limited_with_a_message_in_their_language(tight_server):
    fac = Person(tight_server.url)
    ws = fac.create_workshop()
    phases, lanes = fac.cell_ids(ws.slug)
    anna, bram = Person(tight_server.url), Person(tight_server.url, lang="en")
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    for i in range(5):
        assert anna.add_card(ws.slug, phases[0], lanes[0], f"snel {i}").status_code == 200
    r = anna.add_card(ws.slug, phases[0], lanes[0], "te snel")
    assert r.status_code == 429 and "Je maakt heel snel veel wijzigingen" in r.text
    assert r.headers["retry-after"] == "1"
    # Only Anna is slowed down; reading still works for her.
    assert anna.get(f"/w/{ws.slug}").status_code == 200
    card = card_ids_in(bram.add_card(ws.slug, phases[1], lanes[0], "bram").text)[0]
    for i in range(4):
        assert bram.post(f"/w/{ws.slug}/cards/{card}", {"text": f"bram {i}"}).status_code == 200
    r = bram.post(f"/w/{ws.slug}/cards/{card}", {"text": "too fast"})
    assert r.status_code == 429 and "You are making changes very quickly" in r.text
    texts = [a.get_text() for a in fac.board(ws.slug).select(".card-text")]
    assert sorted(texts) == sorted([f"snel {i}" for i in range(5)] + ["bram 3"])


def test_a_board_holds_a_bounded_number_of_cards(tight_server):
    fac = Person(tight_server.url)
    ws = fac.create_workshop()
    phases, lanes = fac.cell_ids(ws.slug)
    anna = Person(tight_server.url)
    anna.join(ws, "Anna")
    first = card_ids_in(fac.add_card(ws.slug, phases[0], lanes[0], "een").text)[0]
    for text in ("twee", "drie"):
        assert fac.add_card(ws.slug, phases[0], lanes[0], text).status_code == 200
    for text in ("vier", "vijf", "zes"):
        assert anna.add_card(ws.slug, phases[0], lanes[0], text).status_code == 200
    r = anna.add_card(ws.slug, phases[0], lanes[0], "zeven")
    assert r.status_code == 422 and "Dit bord is vol" in r.text and "6 kaarten" in r.text
    assert fac.post(f"/w/{ws.slug}/cards/{first}/delete").status_code == 200
    assert fac.add_card(ws.slug, phases[0], lanes[0], "zeven").status_code == 200


def test_lengths_are_limited_with_clear_messages(tight_server):
    fac = Person(tight_server.url)
    ws = fac.create_workshop()
    phases, lanes = fac.cell_ids(ws.slug)
    r = fac.add_card(ws.slug, phases[0], lanes[0], "x" * 1001)
    assert r.status_code == 422 and "hoogstens 1000 tekens" in r.text
    r = Person(tight_server.url).join(ws, "n" * 61)
    assert r.status_code == 422 and "hoogstens 60 tekens" in r.text
    r = fac.post("/workshops", {"title": "t" * 121}, htmx=False)
    assert r.status_code == 422 and "hoogstens 120 tekens" in r.text


def test_a_socket_flood_closes_only_that_socket(tight_server):
    fac = Person(tight_server.url)
    ws = fac.create_workshop()
    phases, lanes = fac.cell_ids(ws.slug)
    flooder, calm = Person(tight_server.url), Person(tight_server.url)
    flooder.join(ws, "Stoorzender")
    calm.join(ws, "Rustig")
    quiet = calm.socket(ws.slug)
    quiet.drain()
    loud = flooder.socket(ws.slug)
    with pytest.raises(ConnectionClosed) as closed:
        for i in range(50):
            loud.send({"type": "ping", "n": i})
        for _ in range(50):
            loud.conn.recv(timeout=2)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    fac.add_card(ws.slug, phases[0], lanes[0], "de rest luistert nog")
    quiet.recv_until(lambda m: "de rest luistert nog" in m)
    quiet.close()
    assert httpx.get(tight_server.url + "/healthz").status_code == 200


class Holder(Person):
    """Someone who knows the instance access code."""

    def post(self, path, data=None, htmx=True, **kw):
        if path == "/workshops":
            data = {**(data or {}), "access_code": ACCESS_CODE}
        return super().post(path, data, htmx, **kw)


def test_creating_a_workshop_can_require_an_access_code(access_server):
    home = Person(access_server.url).get("/").text
    assert 'name="access_code"' in home and "Toegangscode" in home
    ws = Holder(access_server.url).create_workshop("Met code")
    stranger = Person(access_server.url)
    for typed in ("", "sesam", "SESAM-OPEN-JE"):
        r = stranger.post("/workshops", {"title": "Zonder", "access_code": typed}, htmx=False)
        assert r.status_code == 403 and "Deze toegangscode klopt niet" in r.text
    # Three wrong codes from this address: now even the right one is refused for a while.
    r = Holder(access_server.url).post("/workshops", {"title": "Te laat"}, htmx=False)
    assert r.status_code == 429 and "te veel verkeerde toegangscodes" in r.text
    # Joining an existing workshop needs no access code.
    assert Person(access_server.url).join(ws, "Anna").status_code == 200


def test_without_an_access_code_the_home_page_does_not_ask(facilitator):
    assert 'name="access_code"' not in facilitator.get("/").text


# -- importing a workshop file: the same guards as creating one (issue 16, points 5-7) ----------

IMPORT_LIMITS = {"ACCESS_CODE": ACCESS_CODE, "MAX_CARDS_PER_BOARD": "6"}


@pytest.fixture(scope="module")
def import_server(tmp_path_factory):
    srv = LiveServer(tmp_path_factory.mktemp("import"), env=IMPORT_LIMITS).start()
    yield srv
    srv.stop()


def workshop_file(cards: int) -> bytes:
    document = {
        "format": "zichtlijn-workshop", "version": 1, "workshop": {"title": "Uit een bestand", "language": "nl"},
        "phases": [{"ref": "p1", "name": "Fase 1"}], "lanes": [{"ref": "l1", "group": "visible", "name": "Stappen"}],
        "cards": [{"ref": f"c{i}", "phase": "p1", "lane": "l1", "text": f"kaart {i}"} for i in range(cards)],
    }
    return json.dumps(document).encode()


def import_file(person: Person, content: bytes, htmx: bool = False, **fields) -> httpx.Response:
    data = {**fields, **({} if htmx else {"_csrf_token": person.csrf})}
    return person.post("/workshops/import", data=data, files={"file": ("bord.json", content, "application/json")},
                       htmx=htmx, headers={"HX-Target": "import-error"} if htmx else {})


def workshops_in(server: LiveServer) -> int:
    return database.read(server.data_dir / "sessions", lambda conn: conn.execute(text("SELECT count(*) FROM workshop")).scalar())


def test_importing_a_workshop_needs_the_access_code_too(import_server):
    home = Person(import_server.url).get("/").text
    assert home.count('name="access_code"') == 2  # in the form that creates and in the one that imports
    before = workshops_in(import_server)
    for htmx in (False, True):
        for typed in ({}, {"access_code": "sesam"}):
            r = import_file(Person(import_server.url), workshop_file(2), htmx=htmx, **typed)
            assert r.status_code == 403 and "Deze toegangscode klopt niet" in r.text, r.text
    assert workshops_in(import_server) == before
    r = import_file(Person(import_server.url), workshop_file(2), access_code=ACCESS_CODE)
    assert r.status_code == 303
    assert workshops_in(import_server) == before + 1


def test_an_import_holds_no_more_cards_than_a_board(import_server):
    before = workshops_in(import_server)
    for lang, message in (("nl", "Kaarten: de lijst &#34;cards&#34; heeft meer dan 6 onderdelen"),
                          ("en", "Cards: the list &#34;cards&#34; has more than 6 items")):
        for htmx in (False, True):
            r = import_file(Person(import_server.url, lang=lang), workshop_file(7), htmx=htmx, access_code=ACCESS_CODE)
            assert r.status_code == 422 and message in r.text, r.text
    assert workshops_in(import_server) == before
    assert import_file(Person(import_server.url), workshop_file(6), access_code=ACCESS_CODE).status_code == 303


@pytest.mark.parametrize("content", [b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
                         ids=["arrays", "objects"])
def test_a_deeply_nested_file_gets_a_clear_error(import_server, content):
    before = workshops_in(import_server)
    for lang, message in (("nl", "te diep genest"), ("en", "nested too deeply")):
        for htmx in (False, True):
            r = import_file(Person(import_server.url, lang=lang), content, htmx=htmx, access_code=ACCESS_CODE)
            assert r.status_code == 422 and message in r.text, (r.status_code, r.text[:300])
    assert workshops_in(import_server) == before
    assert Person(import_server.url).get("/healthz").status_code == 200
