"""Every route of the app, from a table: no insecure direct object references across workshops,
and no change without a CSRF token.

The tables below classify every route the app has. `test_the_tables_cover_every_route` compares
them with the app's own route list, so a new route fails the suite until it has a row here (and
so is tried by the tests below). For each changing route:

- a member (the facilitator, the strongest role) of workshop A tries it on workshop B's slug with
  B's ids, and with a cookie forged to B's name holding A's token: 403, and B is unchanged;
- on A's own slug with one id at a time taken from B (a card, phase, lane, tag, person, link): 404,
  and neither A nor B changes;
- a participant of A tries every facilitator route of A: 403, and A is unchanged;
- without a CSRF token, and with another browser's token: 403, and nothing changes.

"Unchanged" is read straight from the database: every row of the workshop, in every table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.config import Settings
from app.main import create_app
from tests.security.helpers import OBJECT_KEYS, Ids, Recorder, Room, rows_of, setup_room
from tests.support import BoardSocket, Person

# Building the app in-process to read its routes repeats Litestar's deprecation notes for every handler.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MEMBER, FACILITATOR, PUBLIC = "member", "facilitator", "public"


@dataclass(frozen=True)
class Change:
    path: str  # the route's path as the app lists it
    form: Callable[[Ids], dict]  # the form of a request that would otherwise succeed
    who: str  # MEMBER (any member), FACILITATOR, or PUBLIC (no workshop identity: capability or none)


CHANGES = [
    # Public: no participant cookie is involved. Joining B with B's join token is what the token is for.
    Change("/workshops", lambda i: {"title": "Nieuw"}, PUBLIC),
    Change("/code", lambda i: {"code": i.join_code}, PUBLIC),
    Change("/j/{token:str}", lambda i: {"name": "Eve"}, PUBLIC),
    # Cards, by any member.
    Change("/w/{slug:str}/cards", lambda i: {"phase_id": i.phase, "lane_id": i.lane, "text": "over de grens"}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}", lambda i: {"text": "overschreven"}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/move", lambda i: {"phase_id": i.phase, "lane_id": i.lane}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/delete", lambda i: {}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/tags", lambda i: {"tag_id": i.tag, "on": "1"}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/followup", lambda i: {"note": "n", "owner": "o", "status": "resolved"}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/vote", lambda i: {}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/unvote", lambda i: {}, MEMBER),
    # Structure, tags and rounds: facilitators.
    Change("/w/{slug:str}/phases", lambda i: {"name": "Fase X"}, FACILITATOR),
    Change("/w/{slug:str}/phases/{phase_id:int}", lambda i: {"name": "Gekaapt", "trigger": "", "completion": ""}, FACILITATOR),
    Change("/w/{slug:str}/phases/{phase_id:int}/move", lambda i: {"step": "1"}, FACILITATOR),
    Change("/w/{slug:str}/phases/{phase_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/phases/{phase_id:int}/lock", lambda i: {"value": "1"}, FACILITATOR),
    Change("/w/{slug:str}/lanes", lambda i: {"group": "visible", "name": "Rij X"}, FACILITATOR),
    Change("/w/{slug:str}/lanes/{lane_id:int}", lambda i: {"name": "Gekaapt", "question": ""}, FACILITATOR),
    Change("/w/{slug:str}/lanes/{lane_id:int}/move", lambda i: {"step": "1"}, FACILITATOR),
    Change("/w/{slug:str}/lanes/{lane_id:int}/split", lambda i: {"name": "Rij Y"}, FACILITATOR),
    Change("/w/{slug:str}/lanes/{lane_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/tags", lambda i: {"name": "Nieuw label", "letter": "N", "colour": "blue"}, FACILITATOR),
    Change("/w/{slug:str}/tags/{tag_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/votes/start", lambda i: {"votes": "5"}, FACILITATOR),
    Change("/w/{slug:str}/votes/end", lambda i: {}, FACILITATOR),
    # Running the room: facilitators.
    Change("/w/{slug:str}/settings/joining", lambda i: {"value": "0"}, FACILITATOR),
    Change("/w/{slug:str}/settings/locked", lambda i: {"value": "1"}, FACILITATOR),
    Change("/w/{slug:str}/focus", lambda i: {"target": f"phase:{i.phase}"}, FACILITATOR),
    Change("/w/{slug:str}/timer", lambda i: {"action": "start", "minutes": "5"}, FACILITATOR),
    Change("/w/{slug:str}/settings/private", lambda i: {"value": "1"}, FACILITATOR),
    Change("/w/{slug:str}/reveal", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/settings/anonymity", lambda i: {"value": "none"}, FACILITATOR),
    Change("/w/{slug:str}/settings/title", lambda i: {"title": "Gekaapt"}, FACILITATOR),
    Change("/w/{slug:str}/settings/closed", lambda i: {"value": "1"}, FACILITATOR),
    Change("/w/{slug:str}/cards/{card_id:int}/hide", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/cards/{card_id:int}/restore", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/participants/{participant_id:int}/remove", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/links", lambda i: {"label": "x"}, FACILITATOR),
    Change("/w/{slug:str}/links/{link_id:int}/revoke", lambda i: {}, FACILITATOR),
    # Privacy: facilitators.
    Change("/w/{slug:str}/settings/join-link", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/delete", lambda i: {"confirm": "1"}, FACILITATOR),
    # History: undo one's own change (any member); restoring an earlier version (facilitators).
    Change("/w/{slug:str}/undo", lambda i: {}, MEMBER),
    Change("/w/{slug:str}/cards/{card_id:int}/restore-version", lambda i: {"seq": "1"}, FACILITATOR),
    # The praatplaat: changed by facilitators (the default setting); linking cards by any member.
    Change("/w/{slug:str}/chart/levels", lambda i: {"name": "Niveau X"}, FACILITATOR),
    Change("/w/{slug:str}/chart/levels/{level_id:int}", lambda i: {"name": "Gekaapt", "roles": ""}, FACILITATOR),
    Change("/w/{slug:str}/chart/levels/{level_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/chart/steps", lambda i: {"level_id": i.level, "text": "Stap X", "kind": "step"}, FACILITATOR),
    Change("/w/{slug:str}/chart/steps/{step_id:int}", lambda i: {"text": "Gekaapt", "kind": "step", "level_id": i.level}, FACILITATOR),
    Change("/w/{slug:str}/chart/steps/{step_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/chart/arrows", lambda i: {"source_id": i.step, "target_id": i.step, "label": "x"}, FACILITATOR),
    Change("/w/{slug:str}/chart/arrows/{arrow_id:int}", lambda i: {"target_id": i.step, "label": "x"}, FACILITATOR),
    Change("/w/{slug:str}/chart/arrows/{arrow_id:int}/delete", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/chart/default", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/chart/editing", lambda i: {"mode": "everyone"}, FACILITATOR),
    Change("/w/{slug:str}/chart/walk/start", lambda i: {"step_id": i.step}, FACILITATOR),
    Change("/w/{slug:str}/chart/walk/next", lambda i: {"step_id": i.step}, FACILITATOR),
    Change("/w/{slug:str}/chart/walk/back", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/chart/walk/stop", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/cards/{card_id:int}/steps", lambda i: {"step_id": i.step, "linked": "1"}, MEMBER),
    Change("/w/{slug:str}/chart/steps/{step_id:int}/cards", lambda i: {"phase_id": i.phase, "lane_id": i.lane, "text": "x"}, MEMBER),
    # Exports: facilitators (participants only when the facilitator allows it). Import starts a new workshop.
    Change("/w/{slug:str}/export/pdf", lambda i: {}, FACILITATOR),
    Change("/w/{slug:str}/export/settings", lambda i: {"participants": "1"}, FACILITATOR),
    Change("/workshops/import", lambda i: {}, PUBLIC),
]

# Reading routes of a workshop: a member of A gets nothing of B (403), nor A's route with B's ids (404).
MEMBER_READS = [
    "/w/{slug:str}", "/w/{slug:str}/qr.svg", "/w/{slug:str}/mine", "/w/{slug:str}/phases/{phase_id:int}/edit",
    "/w/{slug:str}/lanes/{lane_id:int}/edit", "/w/{slug:str}/tags/new", "/w/{slug:str}/bin",
    "/w/{slug:str}/participants", "/w/{slug:str}/links", "/w/{slug:str}/cards/{card_id:int}/history",
    "/w/{slug:str}/changes", "/w/{slug:str}/chart/levels/{level_id:int}/edit", "/w/{slug:str}/chart/levels/{level_id:int}/new-step",
    "/w/{slug:str}/chart/steps/{step_id:int}/edit", "/w/{slug:str}/export.csv", "/w/{slug:str}/export.json",
    "/w/{slug:str}/export/pdf/{job:str}", "/w/{slug:str}/export/pdf/{job:str}/download", "/w/{slug:str}/template.pdf",
    "/w/{slug:str}/facilitator-link", "/w/{slug:str}/cards/{card_id:int}/followup",
]
# Reading routes without a workshop identity. /f/ and /j/ take a secret token (a capability);
# /lang/ only sets the language cookie.
PUBLIC_READS = ["/", "/privacy", "/healthz", "/readyz", "/j/{token:str}", "/f/{token:str}", "/lang/{lang:str}",
                "/static/{file_path:path}", "/template.pdf", "/js/{version:str}/{name:str}"]
SOCKETS = ["/w/{slug:str}/ws"]

PLACEHOLDERS = {"{slug:str}": "slug", "{token:str}": "token", "{card_id:int}": "card", "{phase_id:int}": "phase",
                "{lane_id:int}": "lane", "{tag_id:int}": "tag", "{participant_id:int}": "participant",
                "{link_id:int}": "link", "{level_id:int}": "level", "{step_id:int}": "step", "{arrow_id:int}": "arrow",
                "{job:str}": "job"}


def fill(path: str, ids) -> str:
    for placeholder, key in PLACEHOLDERS.items():
        if placeholder in path:
            path = path.replace(placeholder, str(getattr(ids, key)))
    return path


def request_for(row: Change, ids) -> tuple[str, dict]:
    return fill(row.path, ids), row.form(ids)


def objects_named(path: str, form: Callable[[Ids], dict], ids: Ids) -> list[str]:
    """Which object ids (card, phase, ...) a route names, in its path or its form."""
    recorder = Recorder(ids)
    fill(path, recorder)
    form(recorder)
    return [key for key in OBJECT_KEYS if key in recorder.used]


def app_routes(tmp_path) -> tuple[set[str], set[str], set[str]]:
    app = create_app(Settings(sessions_dir=tmp_path, exports_dir=tmp_path / "exports"))
    changes, reads, sockets = set(), set(), set()
    for route in app.routes:
        methods = set(getattr(route, "methods", ()) or ())
        if type(route).__name__ == "WebSocketRoute":
            sockets.add(route.path)
        if methods & MUTATING:
            changes.add(route.path)
        if "GET" in methods:
            reads.add(route.path)
    return changes, reads, sockets


def test_the_tables_cover_every_route(tmp_path):
    changes, reads, sockets = app_routes(tmp_path)
    assert {row.path for row in CHANGES} == changes, "a changing route without a row in CHANGES (or a stale row)"
    assert set(MEMBER_READS) | set(PUBLIC_READS) == reads, "a reading route without a row (or a stale row)"
    assert set(SOCKETS) == sockets
    assert len({row.path for row in CHANGES}) == len(CHANGES)


@pytest.fixture(scope="module")
def rooms(lenient_server) -> tuple[Room, Room]:
    return setup_room(lenient_server, "A"), setup_room(lenient_server, "B")


def forged(room_a: Room, slug_b: str, base_url: str) -> Person:
    """A browser holding A's participant token under B's cookie name (and its own CSRF token)."""
    mallory = Person(base_url)
    token = room_a.facilitator.member_cookie(room_a.ids.slug)
    mallory.client.cookies.set(f"zl_m_{slug_b}", token)
    return mallory


def test_a_member_of_a_cannot_change_b(rooms, lenient_server):
    a, b = rooms
    mallory = forged(a, b.ids.slug, lenient_server.url)
    before = rows_of(lenient_server, b.ids.slug)
    failures = []
    for row in CHANGES:
        if row.who == PUBLIC:
            continue
        path, form = request_for(row, b.ids)
        for who, person in (("member of A", a.facilitator), ("A's token in B's cookie", mallory)):
            r = person.post(path, form)
            if r.status_code != 403 or "Je doet niet (meer) mee" not in r.text:
                failures.append((who, row.path, r.status_code))
        if rows_of(lenient_server, b.ids.slug) != before:
            failures.append(("B changed", row.path))
            before = rows_of(lenient_server, b.ids.slug)
    assert failures == []
    # B's own people still work.
    assert b.participant.board(b.ids.slug) is not None


def test_ids_of_b_are_not_found_in_a(rooms, lenient_server):
    a, b = rooms
    before_a, before_b = rows_of(lenient_server, a.ids.slug), rows_of(lenient_server, b.ids.slug)
    failures, tried = [], 0
    for row in CHANGES:
        if row.who == PUBLIC:
            continue
        for key in objects_named(row.path, row.form, a.ids):
            ids = a.ids.but(**{key: getattr(b.ids, key)})
            path, form = request_for(row, ids)
            r = a.facilitator.post(path, form)
            tried += 1
            if r.status_code != 404:
                failures.append((row.path, key, r.status_code, r.text[:200]))
            if rows_of(lenient_server, a.ids.slug) != before_a or rows_of(lenient_server, b.ids.slug) != before_b:
                failures.append(("changed", row.path, key))
                before_a, before_b = rows_of(lenient_server, a.ids.slug), rows_of(lenient_server, b.ids.slug)
    assert failures == []
    assert tried >= 25  # every card, phase, lane, tag, person and link route was tried


def test_facilitator_routes_refuse_a_participant_of_the_same_workshop(rooms, lenient_server):
    a, _b = rooms
    before = rows_of(lenient_server, a.ids.slug)
    failures = []
    for row in CHANGES:
        if row.who != FACILITATOR:
            continue
        r = a.participant.post(*request_for(row, a.ids))
        if r.status_code != 403 or "Alleen de facilitator" not in r.text:
            failures.append((row.path, r.status_code))
    assert failures == []
    assert rows_of(lenient_server, a.ids.slug) == before
    assert sum(row.who == FACILITATOR for row in CHANGES) >= 30


def test_reading_routes_give_nothing_of_b(rooms, lenient_server):
    a, b = rooms
    mallory = forged(a, b.ids.slug, lenient_server.url)
    secrets_of_b = ["kaart van B", b.ids.token, b.ids.join_code.replace("-", "")]
    for path in MEMBER_READS:
        for person in (a.facilitator, mallory):
            r = person.get(fill(path, b.ids))
            assert r.status_code == 403, (path, r.status_code)
            assert not any(s in r.text for s in secrets_of_b), path
        for key in objects_named(path, lambda i: {}, a.ids):
            r = a.facilitator.get(fill(path, a.ids.but(**{key: getattr(b.ids, key)})))
            assert r.status_code == 404, (path, key, r.status_code)
            assert "kaart van B" not in r.text


def test_a_socket_of_a_gets_nothing_of_b(rooms, lenient_server):
    a, b = rooms
    mallory = forged(a, b.ids.slug, lenient_server.url)
    for person in (a.facilitator, mallory):
        # Refused before the upgrade (403) or closed at once (4401): either way nothing is read.
        with pytest.raises((ConnectionClosed, InvalidStatus)):
            sock = BoardSocket(person, b.ids.slug)
            sock.conn.recv(timeout=5)


def test_no_change_without_a_csrf_token(rooms, lenient_server):
    a, _b = rooms
    before = rows_of(lenient_server, a.ids.slug)
    other_browser = Person(lenient_server.url)
    failures = []
    for row in CHANGES:
        path, form = request_for(row, a.ids)
        client = a.facilitator.client
        attempts = {
            "no token": client.post(path, data=form, headers={"HX-Request": "true"}),
            "another browser's token": client.post(path, data=form, headers={"HX-Request": "true",
                                                                            "x-csrftoken": other_browser.csrf}),
            "a made-up form field": client.post(path, data={**form, "_csrf_token": "0" * 64}),
        }
        for what, r in attempts.items():
            if r.status_code != 403 or "Deze pagina is verouderd" not in r.text:
                failures.append((row.path, what, r.status_code))
        if rows_of(lenient_server, a.ids.slug) != before:
            failures.append(("A changed", row.path))
            before = rows_of(lenient_server, a.ids.slug)
    assert failures == []


def test_a_planted_csrf_token_cannot_act_for_another_participant(rooms, lenient_server):
    """Issue 16, point 8: someone who can plant cookies on the host (a sibling subdomain, a network
    attacker without HTTPS) sends a victim's browser their own valid CSRF cookie and token. The
    token is bound to the participant, so it does not pass for the victim."""
    a, _b = rooms
    attacker = Person(lenient_server.url)
    assert attacker.join(a.workshop, "Eve").status_code == 200
    own = attacker.member_headers(a.ids.slug)  # the attacker's own, valid for the attacker
    before = rows_of(lenient_server, a.ids.slug)
    failures = []
    for row in CHANGES:
        if row.who == PUBLIC:
            continue
        path, form = request_for(row, a.ids)
        victim = Person(lenient_server.url)
        victim.client.cookies.clear()
        victim.client.cookies.set(f"zl_m_{a.ids.slug}", a.facilitator.member_cookie(a.ids.slug))
        victim.client.cookies.set("csrftoken", attacker.csrf)
        headers = {"HX-Request": "true", "x-csrftoken": attacker.csrf, **own}
        attempts = {
            "header": victim.client.post(path, data=form, headers=headers),
            "form": victim.client.post(path, data={**form, "_csrf_token": attacker.csrf,
                                                   "_zl_csrf": own.get("x-zl-csrf", "")}),
        }
        for what, r in attempts.items():
            if r.status_code != 403 or "Deze pagina is verouderd" not in r.text:
                failures.append((row.path, what, r.status_code))
        if rows_of(lenient_server, a.ids.slug) != before:
            failures.append(("A changed", row.path))
            before = rows_of(lenient_server, a.ids.slug)
    assert failures == []
    # The victim's own page works as ever.
    assert a.facilitator.post(f"/w/{a.ids.slug}/settings/title", {"title": "Nog steeds van mij"}).status_code == 200
