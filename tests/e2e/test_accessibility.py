"""WCAG 2.1 AA checks with axe-core (from npm) in real Chromium, keyboard-only use, live announcements."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_facilitation import close_controls, open_controls
from tests.e2e.test_live_board import add_card, create_workshop, join, open_tools

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SMALL_PHONE = {"width": 360, "height": 740}


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical violations of WCAG 2.1 A/AA rules on the page as it is now."""
    page.evaluate(AXE.read_text())  # evaluate is not subject to the page's CSP
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_serious_violations_on_any_screen(pages, server, viewport):
    fac = pages.open(viewport)
    fac.goto(server.url + "/")
    assert axe_violations(fac) == [], "home"
    join_link = create_workshop(fac, server)
    assert axe_violations(fac) == [], "board (facilitator, first load)"
    add_card(fac, "Een kaart om te controleren")
    fac.locator("article.card").first.get_by_role("button", name=re.compile("^Labels voor")).click()
    fac.locator(".tag-toggle").first.click()
    fac.get_by_role("button", name="Klaar").click()
    assert axe_violations(fac) == [], "board (facilitator)"
    open_tools(fac)
    assert axe_violations(fac) == [], "filter menu"
    fac.get_by_role("button", name="Terugkomen op").click()
    assert axe_violations(fac) == [], "revisit view"
    fac.get_by_role("button", name="Praatplaat").click()
    expect(fac.locator("#chart-view")).to_be_visible()
    assert axe_violations(fac) == [], "praatplaat"
    fac.get_by_role("button", name="Blauwdruk").click()
    fac.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    assert axe_violations(fac) == [], "card dialog"
    fac.get_by_role("button", name="Annuleren").click()
    open_controls(fac)
    fac.get_by_role("button", name="Stemronde starten").click()
    expect(fac.locator("#vote-panel")).to_contain_text("Blinde ronde")
    assert axe_violations(fac) == [], "the facilitator's drawer, a blind round running"
    close_controls(fac)
    fac.get_by_role("button", name="Stemronde beëindigen").click()
    fac.get_by_role("button", name="Uitnodigen").click()
    assert axe_violations(fac) == [], "invite dialog"
    fac.locator("#invite-dialog").get_by_role("button", name="Sluiten").click()
    fac.locator("#export-menu > summary").click()
    assert axe_violations(fac) == [], "export menu"
    fac.get_by_role("link", name="Projectorweergave").click()
    expect(fac.locator("#projector-view")).to_be_visible()
    assert axe_violations(fac) == [], "projector, join face"
    fac.locator(".projector-bar").get_by_role("button", name="Bord", exact=True).click()
    assert axe_violations(fac) == [], "projector, board face"
    fac.keyboard.press("Escape")
    participant = pages.open(viewport)
    participant.goto(join_link)
    assert axe_violations(participant) == [], "join"
    join(participant, join_link, "Anna")
    assert axe_violations(participant) == [], "board (participant)"
    participant.get_by_role("button", name="Praatplaat").click()
    assert axe_violations(participant) == [], "praatplaat (participant)"
    participant.get_by_role("button", name="Terugkomen op").click()
    assert axe_violations(participant) == [], "revisit list (participant)"
    # Removed, then joining closed.
    open_controls(fac)
    fac.get_by_role("button", name="Deelnemers").click()
    fac.once("dialog", lambda d: d.accept())
    fac.locator("#struct-dialog li", has_text="Anna").get_by_role("button", name="Verwijderen").click()
    expect(participant.locator("#removed-notice")).to_be_visible()
    assert axe_violations(participant) == [], "removed participant"
    fac.locator("#struct-dialog").get_by_role("button", name="Sluiten", exact=True).click()
    fac.get_by_role("button", name="Meedoen sluiten").click()
    expect(fac.get_by_role("button", name="Meedoen openen")).to_be_visible()
    late = pages.open(viewport)
    late.goto(join_link)
    expect(late.locator("#joining-closed")).to_be_visible()
    assert axe_violations(late) == [], "joining closed"


def tab_to(page: Page, selector: str, limit: int = 300) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"never reached {selector} with Tab")


def test_the_board_works_by_keyboard_alone(pages, server):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server)
    page = fac
    page.locator("body").focus()
    # Add a card.
    tab_to(page, "button.add-card")
    page.keyboard.press("Enter")
    expect(page.locator("#card-dialog")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "card-text"
    page.keyboard.type("Met het toetsenbord")
    tab_to(page, "#card-form button[type=submit]")
    page.keyboard.press("Enter")
    card = page.locator("article", has_text="Met het toetsenbord")
    expect(card).to_be_visible()
    # Tag it.
    tab_to(page, "article.card [data-action=tag-card]")
    page.keyboard.press("Enter")
    expect(page.locator("#tag-dialog")).to_be_visible()
    page.keyboard.press("Enter")  # the first tag has the focus
    expect(card.locator(".tag")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#tag-dialog")).to_be_hidden()
    # Edit and move it.
    tab_to(page, "article.card [data-action=edit-card]")
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.type(" en verplaatst")
    tab_to(page, "#card-move-phase")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#card-move-lane")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#card-form button[type=submit]")
    page.keyboard.press("Enter")
    phase2 = page.locator("th.phase").nth(1).get_attribute("data-phase-id")
    lane2 = page.locator("th.lane").nth(1).get_attribute("data-lane-id")
    expect(page.locator(f"#cards-{phase2}-{lane2} article", has_text="Met het toetsenbord en verplaatst")).to_be_visible()


def test_others_changes_are_announced_politely_and_keep_focus(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna", "begeleider")
    add_card(fac, "Eerste kaart")
    # The facilitator's keyboard focus sits on the card's edit button while Anna adds to the same cell.
    fac.locator("article", has_text="Eerste kaart").get_by_role("button", name=re.compile("^Kaart bewerken")).focus()
    add_card(phone, "Tweede kaart", cell=0)
    expect(fac.locator("article", has_text="Tweede kaart")).to_be_visible()
    expect(fac.locator("#live-region")).to_have_text(re.compile("Anna \\(begeleider\\) heeft een kaart toegevoegd in Fase 1"))
    assert fac.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Kaart bewerken: Eerste kaart")
    # Own changes are not read back to oneself.
    expect(phone.locator("#live-region")).not_to_contain_text("Anna")


@pytest.mark.parametrize("zoom", ["100%", "200%"])
def test_a_small_phone_needs_no_sideways_panning(pages, server, zoom):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(SMALL_PHONE)
    join(phone, join_link, "Bram")
    phone.evaluate(f"document.documentElement.style.fontSize = '{zoom}'")
    add_card(phone, "Een kaart met een wat langere tekst die moet afbreken op een klein scherm")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    # One phase at a time, switched by its tab.
    expect(phone.locator("th.phase:visible")).to_have_count(1)
    phone.get_by_role("button", name="Fase 3").click()
    expect(phone.locator("th.phase:visible")).to_have_text(re.compile("Fase 3"))
    expect(phone.get_by_role("button", name=re.compile("^Kaart toevoegen: Fase 3")).first).to_be_visible()
