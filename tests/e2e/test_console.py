"""A whole session with the browser console open: any error, uncaught exception or CSP violation
on any screen fails it (create, join, cards, tags, a vote round, facilitator controls,
praatplaat, export, projector)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_facilitation import close_controls, open_controls
from tests.e2e.test_live_board import add_card, create_workshop, join, open_tools

# Added through the devtools protocol (not subject to the page's CSP): every CSP violation is logged.
REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def watched(pages, problems: list[str], who: str, viewport=DESKTOP) -> Page:
    page = pages.open(viewport)
    page.context.add_init_script(REPORT_CSP)
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"{who} console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{who} uncaught: {e}"))
    return page


def test_a_whole_session_leaves_the_console_clean(pages, server):
    problems: list[str] = []
    fac = watched(pages, problems, "facilitator")
    join_link = create_workshop(fac, server)
    # The watch works: an inline style set as an attribute is refused by the CSP and reported.
    fac.evaluate("() => { const d = document.createElement('div'); document.body.append(d); d.setAttribute('style', 'color: red'); d.remove(); }")
    fac.wait_for_timeout(200)
    assert any("CSP violation: style-src" in p for p in problems), problems
    problems.clear()
    anna = watched(pages, problems, "anna", PHONE)
    join(anna, join_link, "Anna", "begeleider")
    bram = watched(pages, problems, "bram", PHONE)
    join(bram, join_link, "Bram")

    # Cards and tags.
    add_card(anna, "Cliënt belt de begeleider")
    add_card(fac, "Begeleider zoekt het op", cell=1)
    card = anna.locator("article", has_text="Cliënt belt de begeleider")
    card.get_by_role("button", name=re.compile("^Labels voor")).click()
    anna.get_by_role("button", name=re.compile("informeel")).click()
    anna.get_by_role("button", name="Klaar").click()
    expect(fac.locator("article", has_text="Cliënt belt").locator(".tag")).to_contain_text("informeel")
    open_tools(fac)
    fac.get_by_role("button", name="Hittekaart").click()
    fac.get_by_label("Toon").select_option(index=1)
    fac.get_by_label("Toon").select_option(value="")

    # The facilitator's controls, each reaching the phones.
    open_controls(fac)
    fac.get_by_role("button", name="Bord op slot").click()
    expect(anna.locator("#session-state")).to_contain_text("op slot")
    fac.get_by_role("button", name="Bord van slot").click()
    expect(fac.get_by_role("button", name="Bord op slot")).to_be_visible()  # the drawer is re-rendered
    fac.get_by_label("Breng iedereen naar").select_option(label="Fase 2")
    fac.get_by_role("button", name="Iedereen hierheen").click()
    expect(bram.locator("#focus")).to_contain_text("Fase 2")
    fac.get_by_label("Minuten").fill("2")
    fac.get_by_role("button", name="Timer starten").click()
    expect(anna.locator("#timer .timer-clock")).to_be_visible()
    expect(fac.get_by_role("button", name="Pauze")).to_be_visible()
    fac.get_by_label("Schrijvers tonen").select_option("roles")
    expect(anna.locator("article", has_text="Cliënt belt").locator(".card-author")).to_have_text("begeleider")
    fac.get_by_role("button", name="Privé schrijven starten").click()
    add_card(bram, "Stil idee", cell=0)
    fac.get_by_role("button", name="Alle kaarten laten zien").click()
    expect(anna.locator("article", has_text="Stil idee")).to_be_visible()

    # A blind vote round, start to end.
    fac.get_by_role("button", name="Stemronde starten").click()
    anna.get_by_role("button", name="Fase 1", exact=True).click()  # the focus had brought her to phase 2
    anna.get_by_role("button", name="Stem op: Cliënt belt de begeleider").click()
    expect(anna.locator("#my-votes")).to_contain_text("Je hebt nog 2 stemmen")
    fac.get_by_role("button", name="Stemronde beëindigen").click()
    expect(anna.locator("#vote-panel")).to_contain_text("Uitslag van de laatste ronde")
    close_controls(fac)

    # The praatplaat and the revisit list.
    for page in (fac, anna):
        page.get_by_role("button", name="Praatplaat", exact=True).click()
        expect(page.locator("#chart-view")).to_be_visible()
        page.get_by_role("button", name="Terugkomen op").click()
        expect(page.locator("#revisit-view")).to_be_visible()
        page.get_by_role("button", name="Blauwdruk", exact=True).click()

    # Invite, projector, export.
    fac.get_by_role("button", name="Uitnodigen").click()
    fac.locator("#invite-dialog").get_by_role("button", name="Sluiten").click()
    fac.get_by_role("link", name="Projectorweergave").click()
    fac.wait_for_function("() => document.querySelector('.qr-big').complete")
    fac.locator(".projector-bar").get_by_role("button", name="Bord", exact=True).click()
    fac.keyboard.press("Escape")
    fac.locator("#export-menu > summary").click()
    fac.get_by_role("button", name=re.compile("PDF")).click()
    expect(fac.locator("#pdf-status").get_by_role("link", name="PDF downloaden")).to_be_visible(timeout=60_000)
    with fac.expect_download():
        fac.get_by_role("link", name="Kaarten (CSV voor Excel)").click()
    # Everything reached everyone, and nobody's console said a word.
    expect(bram.locator("article", has_text="Begeleider zoekt het op")).to_have_count(1)
    bram.wait_for_timeout(500)
    assert problems == []
