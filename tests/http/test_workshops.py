"""Creating a workshop, the capability links, joining, languages, health."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.support import Person


def test_home_has_the_stable_names(facilitator: Person):
    soup = BeautifulSoup(facilitator.get("/").text, "html.parser")
    title_input = soup.select_one("#title")
    assert soup.select_one("label[for=title]").get_text(strip=True) == "Titel"
    assert title_input["name"] == "title"
    assert [b.get_text(strip=True) for b in soup.select("button[type=submit]")][0] == "Workshop aanmaken"


def test_home_in_english_when_the_browser_asks(make_person):
    en = make_person("en-GB,en;q=0.9")
    soup = BeautifulSoup(en.get("/").text, "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one("label[for=title]").get_text(strip=True) == "Title"
    assert "Create workshop" in soup.get_text()


def test_language_choice_is_remembered_over_the_browser(make_person):
    p = make_person("nl")
    r = p.get("/lang/en?next=/", follow_redirects=True)
    assert "Create workshop" in r.text
    assert "Create workshop" in p.get("/").text
    p.get("/lang/nl?next=//evil.example", follow_redirects=False)
    assert "Workshop aanmaken" in p.get("/").text


def test_create_lands_on_board_with_join_link_qr_code_and_facilitator_link(facilitator: Person):
    ws = facilitator.create_workshop("Hulp vragen bij de zorgapp")
    soup = facilitator.board(ws.slug)
    assert "/j/" in ws.join_link
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", ws.join_code)
    qr = soup.select_one("img[alt='QR-code om deel te nemen']")
    assert qr is not None
    svg = facilitator.get(qr["src"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.text and "<path" in svg.text
    # The facilitator link is not in the page (a projected screen never shows it); the drawer fetches it.
    assert "/f/" not in str(soup) and "Mijn facilitatorlink tonen" in soup.get_text()
    # The join token carries at least 128 random bits (22 url-safe characters).
    assert len(ws.join_link.split("/j/")[1]) >= 22
    assert len(ws.facilitator_link.split("/f/")[1]) >= 32


def test_default_board_follows_the_seed_template(facilitator: Person):
    ws = facilitator.create_workshop()
    soup = facilitator.board(ws.slug)
    table = soup.select_one("table#board")
    assert [th.select_one(".phase-name").get_text() for th in table.select("th[scope=col]")] == [f"Fase {i}" for i in range(1, 8)]
    lanes = [th.select_one(".lane-name").get_text() for th in table.select("th[scope=row]")]
    assert lanes == ["Stappen voor de klant", "Touchpoints met de klant", "Mensen", "Processen", "Technologie"]
    groups = [g.get_text(strip=True) for g in table.select("th[scope=rowgroup]")]
    assert groups == ["Zichtbaar voor klant", "Achter de schermen"]
    # The line of visibility sits between the visible and the backstage rows.
    bodies = table.find_all("tbody")
    assert "group-visible" in bodies[0]["class"] and "line-of-visibility" in bodies[1]["class"]
    assert "Zichtlijn" in bodies[1].get_text() and "group-backstage" in bodies[2]["class"]
    # Guiding questions of the seed as help per lane.
    assert "Wat doet de klant bij elke stap" in table.select_one("th[scope=row] .lane-question").get_text()
    # Every cell has an add button whose accessible name starts with "Kaart toevoegen".
    buttons = table.select("td.cell button.add-card")
    assert len(buttons) == 7 * 5
    assert all(b["aria-label"].startswith("Kaart toevoegen") for b in buttons)


def test_english_workshop_content(make_person):
    p = make_person("en")
    ws = p.create_workshop("Help desk", language="en")
    soup = p.board(ws.slug)
    assert [th.select_one(".lane-name").get_text() for th in soup.select("th[scope=row]")][0] == "Customer steps"
    assert soup.select_one("th[scope=col] .phase-name").get_text() == "Phase 1"
    assert all(b["aria-label"].startswith("Add card") for b in soup.select("button.add-card"))


def test_participant_joins_with_a_name_and_role(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    join_page = BeautifulSoup(anna.get("/j/" + ws.join_link.split("/j/")[1]).text, "html.parser")
    assert join_page.select_one("label[for=name]").get_text(strip=True) == "Je naam"
    assert join_page.select_one("button[type=submit]").get_text(strip=True) == "Deelnemen"
    r = anna.join(ws, "Anna", "begeleider")
    assert r.status_code == 200 and str(r.url).endswith(f"/w/{ws.slug}")
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.select_one("table#board") is not None
    # A participant sees no facilitator link and no structure controls that work.
    assert "/f/" not in r.text
    assert "is-facilitator" not in soup.body["class"]


def test_join_by_code_typed_loosely(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    bob = make_person()
    r = bob.post("/code", {"code": ws.join_code.lower().replace("-", " ")}, htmx=False, follow_redirects=True)
    assert r.status_code == 200 and "Je naam" in r.text
    wrong = bob.post("/code", {"code": "ZZZ-ZZZ"}, htmx=False)
    assert wrong.status_code == 404 and "Er is geen workshop met deze code" in wrong.text


def test_join_needs_a_name(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    p = make_person()
    r = p.join(ws, "   ")
    assert r.status_code == 422 and "Vul je naam in" in r.text
    assert p.member_cookie(ws.slug) is None


def test_facilitator_link_works_from_another_browser(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    other_browser = make_person()
    r = other_browser.get("/f/" + ws.facilitator_link.split("/f/")[1], follow_redirects=True)
    soup = BeautifulSoup(r.text, "html.parser")
    assert "is-facilitator" in soup.body["class"]
    assert other_browser.get("/f/not-a-real-token").status_code == 404


def test_board_without_membership_is_refused(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    stranger = make_person()
    r = stranger.get(f"/w/{ws.slug}")
    assert r.status_code == 403
    assert "Je doet niet (meer) mee" in r.text
    assert "article" not in r.text


def test_empty_title_is_refused_with_a_message(facilitator: Person):
    r = facilitator.post("/workshops", {"title": ""}, htmx=False)
    assert r.status_code == 422 and "Geef de workshop een titel" in r.text


def test_csrf_is_required_for_form_posts(make_person):
    p = make_person()
    r = p.client.post("/workshops", data={"title": "x"})
    assert r.status_code == 403


def test_healthz(facilitator: Person):
    r = facilitator.get("/healthz")
    assert r.status_code == 200 and r.json()["database"] == "up"


def test_security_headers(facilitator: Person):
    r = facilitator.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    created = facilitator.post("/workshops", {"title": "Koek"}, htmx=False)
    set_cookie = created.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
