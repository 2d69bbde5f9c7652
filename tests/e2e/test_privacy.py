"""Privacy in real Chromium: no screen asks another host for anything, the personal-data warning
keeps the typed text and shares nothing until "save anyway", deleting a workshop from the board."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_facilitation import open_controls
from tests.e2e.test_live_board import create_workshop, join


def watch(page: Page, seen: list[str]) -> Page:
    """Every request and websocket of the page, to show the foreign-request check had traffic to see."""
    page.on("request", lambda r: seen.append(r.url))
    page.on("websocket", lambda ws: seen.append(ws.url))
    return page


def test_no_screen_makes_a_request_to_another_host(pages, server):
    seen: list[str] = []
    fac = watch(pages.open(DESKTOP), seen)
    join_link = create_workshop(fac, server)  # home, then the board as facilitator
    open_controls(fac)
    fac.locator("#privacy-controls summary").click()
    expect(fac.locator(".retention-note")).to_contain_text("90 dagen")
    fac.get_by_role("link", name="Projectorweergave").click()
    expect(fac.locator("#projector-view")).to_be_visible()

    phone = watch(pages.open(PHONE), seen)
    phone.goto(join_link)  # the join page
    expect(phone.get_by_label("Je naam")).to_be_visible()
    join(phone, join_link, "Anna")  # the board as participant
    phone.get_by_role("button", name="Terugkomen op").first.click()  # the revisit view
    expect(phone.locator("#revisit-view")).to_be_visible()

    stranger = watch(pages.open(PHONE), seen)
    stranger.goto(fac.url)  # someone who is not a member
    expect(stranger.locator("h1")).to_be_visible()
    stranger.goto(server.url + "/j/bestaat-niet")  # the error page
    expect(stranger.get_by_role("alert")).to_contain_text("werkt niet")
    stranger.get_by_role("link", name=re.compile("^Privacy")).click()  # the privacy page, from the footer
    expect(stranger.get_by_role("heading", name="Wat wordt bewaard")).to_be_visible()

    ours = urlsplit(server.url).netloc
    assert len(seen) > 15 and {urlsplit(u).netloc for u in seen} == {ours}
    assert any(u.startswith("ws://") for u in seen)
    assert not [m for m in pages.console_errors if "Content Security Policy" in m]
    # pages' own teardown fails the test on any request to another host


def test_a_card_with_personal_data_waits_for_its_author(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")

    text = "Mevr. Jansen, BSN 123456782, belt elke week"
    phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    phone.get_by_label("Tekst").fill(text)
    phone.get_by_role("button", name="Opslaan", exact=True).click()
    warning = phone.locator("#card-dialog .personal-data-warning")
    expect(warning).to_contain_text("burgerservicenummer")
    expect(phone.locator("#card-dialog")).to_be_visible()
    expect(phone.get_by_label("Tekst")).to_have_value(text)
    expect(fac.locator("article.card")).to_have_count(0)

    # Changing the text withdraws the "save anyway": the new text is checked again.
    phone.get_by_label("Tekst").press("End")
    phone.get_by_label("Tekst").type(" ook 06-12345678")
    expect(warning).to_have_count(0)
    phone.get_by_role("button", name="Opslaan", exact=True).click()
    expect(warning).to_contain_text("telefoonnummer")
    expect(fac.locator("article.card")).to_have_count(0)

    phone.get_by_role("button", name="Toch opslaan").click()
    expect(phone.locator("#card-dialog")).not_to_be_visible()
    expect(fac.locator("article.card", has_text="BSN 123456782")).to_be_visible()
    assert pages.console_errors == [] or all("422" in m for m in pages.console_errors)


def test_the_facilitator_deletes_the_workshop_and_open_boards_are_told(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    open_controls(fac)
    fac.locator("#privacy-controls summary").click()
    fac.get_by_label(re.compile("Ja, verwijder deze workshop")).check()
    fac.get_by_role("button", name="Workshop verwijderen").click()
    expect(fac.get_by_role("status").filter(has_text="De workshop is verwijderd")).to_be_visible()
    expect(phone.locator("#workshop-deleted")).to_contain_text("Deze workshop is verwijderd")
    phone.reload()
    expect(phone.get_by_role("alert")).to_contain_text("bestaat niet")


def test_who_edits_a_card_is_shown_to_others_as_the_anonymity_setting_says(pages, server):
    """Issue 16, point 2: the editing badge comes from labels only (no participant ids in the
    frame), never on one's own screen, and says "Iemand" when authors are hidden."""
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    slug = urlsplit(fac.url).path.rsplit("/", 1)[1]
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna", "begeleider")
    phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    phone.get_by_label("Tekst").fill("Wie bewerkt mij?")
    phone.get_by_role("button", name="Opslaan").click()
    card = fac.locator("article", has_text="Wie bewerkt mij?")
    expect(card).to_be_visible()

    phone.locator("article", has_text="Wie bewerkt mij?").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    expect(card.locator(".editing-badge")).to_have_text("Anna (begeleider) bewerkt deze kaart")
    expect(phone.locator(".editing-badge")).to_have_count(0)  # not on her own screen
    phone.keyboard.press("Escape")
    expect(card.locator(".editing-badge")).to_have_count(0)

    # Through the page's own htmx: its bound CSRF token goes along.
    fac.evaluate("slug => htmx.ajax('POST', '/w/' + slug + '/settings/anonymity', {values: {value: 'none'}, swap: 'none'})", slug)
    expect(fac.locator("article.card .card-author")).to_have_count(0)
    phone.locator("article", has_text="Wie bewerkt mij?").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    expect(card.locator(".editing-badge")).to_have_text("Iemand bewerkt deze kaart")
