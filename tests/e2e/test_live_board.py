"""A facilitator on a laptop and participants on phones, in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE


def create_workshop(page: Page, server, title: str = "Hulp bij de zorgapp") -> str:
    page.goto(server.url + "/")
    page.get_by_label("Titel").fill(title)
    page.get_by_role("button", name="Workshop aanmaken").click()
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page.locator("a[href*='/j/']").first.get_attribute("href")


def join(page: Page, join_link: str, name: str, role: str = "") -> None:
    page.goto(join_link)
    page.get_by_label("Je naam").fill(name)
    if role:
        page.get_by_label("Je rol (niet verplicht)").fill(role)
    page.get_by_role("button", name="Deelnemen").click()
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def open_tools(page: Page) -> None:
    """The "Filter en weergave" menu of the bar: tag filter, dimming, heat map, fit to screen."""
    menu = page.locator("#tools-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.locator(".menu-body")).to_be_visible()


def add_card(page: Page, text: str, cell: int = 0) -> None:
    page.get_by_role("button", name=re.compile("^Kaart toevoegen")).nth(cell).click()
    page.get_by_label("Tekst").fill(text)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#card-dialog")).not_to_be_visible()


def test_participant_adds_facilitator_edits_and_deletes_all_live(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    fac.get_by_role("button", name="Uitnodigen").click()  # invite details on demand
    qr = fac.get_by_role("img", name="QR-code om deel te nemen")
    expect(qr).to_be_visible()
    # The image really loaded (a broken image has no natural size).
    fac.wait_for_function("document.querySelector('img.qr').complete")
    assert qr.evaluate("img => img.naturalWidth") > 100
    fac.locator("#invite-dialog").get_by_role("button", name="Sluiten").click()

    phone = pages.open(PHONE)
    join(phone, join_link, "Anna", "begeleider")
    expect(fac.locator("#presence")).to_contain_text("Anna")

    add_card(phone, "Cliënt belt de begeleider")
    card = fac.locator("article", has_text="Cliënt belt de begeleider")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Anna (begeleider)")

    card.get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    fac.get_by_label("Tekst").fill("Cliënt belt de begeleider via de app")
    fac.get_by_role("button", name="Opslaan").click()
    expect(phone.locator("article", has_text="via de app")).to_be_visible()

    fac.locator("article", has_text="via de app").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    fac.once("dialog", lambda d: d.accept())
    fac.get_by_role("button", name="Verwijderen").click()
    expect(phone.locator("article", has_text="via de app")).to_have_count(0)
    expect(fac.locator("article.card")).to_have_count(0)
    assert pages.console_errors == []


def test_three_participants_adding_at_once_every_browser_gets_every_card(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phones = [pages.open(PHONE) for _ in range(3)]
    for i, p in enumerate(phones):
        join(p, join_link, f"Deelnemer {i + 1}")
    # Everyone types, then all three press save at (nearly) the same moment.
    for i, p in enumerate(phones):
        p.get_by_role("button", name=re.compile("^Kaart toevoegen")).nth(i).click()
        p.get_by_label("Tekst").fill(f"Kaart van deelnemer {i + 1}")
    for p in phones:
        p.get_by_role("button", name="Opslaan").click(no_wait_after=True)
    for page in [fac, *phones]:
        for i in range(3):
            expect(page.locator("article", has_text=f"Kaart van deelnemer {i + 1}")).to_have_count(1)


def test_bad_input_gets_a_message_and_keeps_the_dialog(pages, server):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server)
    fac.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    fac.get_by_role("button", name="Opslaan").click()
    expect(fac.locator("#card-error")).to_contain_text("Schrijf eerst iets op de kaart")
    expect(fac.locator("#card-dialog")).to_be_visible()

    long_text = "lang " * 2000
    fac.get_by_label("Tekst").fill(long_text)
    fac.get_by_role("button", name="Opslaan").click()
    expect(fac.locator("#card-error")).to_contain_text("hoogstens 1000 tekens")
    # Nothing typed is lost: the text is still there to shorten.
    assert fac.get_by_label("Tekst").input_value() == long_text

    fac.get_by_label("Tekst").fill('<img src=x onerror="document.body.dataset.hacked=1"><script>document.body.dataset.hacked=2</script>')
    fac.get_by_role("button", name="Opslaan").click()
    expect(fac.locator("article.card")).to_contain_text("<img src=x")
    assert fac.evaluate("document.body.dataset.hacked") is None


def test_facilitator_renames_a_phase_and_the_participant_sees_it(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Bram")
    fac.get_by_role("button", name="Fase bewerken: Fase 1").click()
    fac.get_by_label("Naam").fill("Hulp vragen")
    fac.get_by_label("Aanleiding").fill("De app doet het niet")
    fac.get_by_role("button", name="Opslaan").click()
    expect(phone.get_by_role("columnheader", name=re.compile("Hulp vragen"))).to_be_visible()
    expect(phone.locator("th.phase").first).to_contain_text("De app doet het niet")
    # Participants get no structure controls.
    expect(phone.get_by_role("button", name=re.compile("^Fase bewerken"))).to_have_count(0)


def test_move_a_card_by_drag_and_drop_on_desktop(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Cem")
    add_card(fac, "sleep mij")
    card = fac.locator("article", has_text="sleep mij")
    # A cell in the same row, two phases on: both in view, as a person would drag.
    target = fac.locator("td.cell").nth(2)
    card.drag_to(target)
    expect(target.locator("article", has_text="sleep mij")).to_be_visible()
    phase, lane = target.get_attribute("data-phase-id"), target.get_attribute("data-lane-id")
    expect(phone.locator(f"#cards-{phase}-{lane} article", has_text="sleep mij")).to_have_count(1)


def test_move_a_card_through_the_dialog_on_a_phone(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Dirk")
    add_card(phone, "verplaats mij")
    phone.locator("article", has_text="verplaats mij").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    phone.get_by_label("Fase", exact=True).select_option(label="Fase 3")
    phone.get_by_label("Rij", exact=True).select_option(label="Technologie")
    phone.get_by_role("button", name="Opslaan").click()
    phase_id = fac.locator("th.phase").nth(2).get_attribute("data-phase-id")
    lane_id = fac.locator("th.lane").nth(4).get_attribute("data-lane-id")
    # Wait for the move itself: the card is in one cell before it, too.
    expect(fac.locator(f"#cards-{phase_id}-{lane_id} article", has_text="verplaats mij")).to_be_visible()
    expect(fac.locator("td.cell").filter(has=fac.locator("article", has_text="verplaats mij"))).to_have_count(1)
