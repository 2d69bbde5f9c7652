"""The facilitator's focus, lock, timer and private writing reach a participant's phone, live."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_live_board import add_card, create_workshop, join


def open_controls(fac):
    """The facilitator's side drawer ("Regie"), from the bar above the board."""
    if not fac.locator("#fac-drawer").is_visible():
        fac.get_by_role("button", name="Regie", exact=True).click()
    expect(fac.locator("#fac-drawer")).to_be_visible()


def close_controls(fac):
    fac.locator("#fac-drawer .drawer-head").get_by_role("button", name="Sluiten").click()
    expect(fac.locator("#fac-drawer")).to_be_hidden()


def test_focus_brings_the_phone_along_and_one_tap_brings_it_back(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    open_controls(fac)
    fac.get_by_label("Breng iedereen naar").select_option(label="Fase 6")
    fac.get_by_role("button", name="Iedereen hierheen").click()
    expect(phone.locator("#focus")).to_contain_text("Fase 6")
    phase6 = phone.locator("th.phase").nth(5)
    expect(phase6).to_have_class(re.compile("focused"))
    expect(phase6).to_be_in_viewport()
    # The participant looks elsewhere, then comes back with one tap.
    phone.get_by_role("button", name="Terugkomen op").click()
    expect(phone.locator("#revisit-view")).to_be_visible()
    phone.get_by_role("button", name="Ga erheen").click()
    expect(phone.locator("#board-view")).to_be_visible()
    expect(phase6).to_be_in_viewport()


def test_lock_reaches_the_phone(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Bram")
    expect(phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first).to_be_visible()
    open_controls(fac)
    fac.get_by_role("button", name="Bord op slot").click()
    expect(phone.locator("#session-state")).to_contain_text("op slot gezet")
    expect(phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first).to_be_hidden()
    fac.get_by_role("button", name="Bord van slot").click()
    expect(phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first).to_be_visible()


def test_timer_runs_on_the_phone_and_shows_its_end(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Cem")
    open_controls(fac)
    fac.get_by_label("Minuten").fill("0:03")
    fac.get_by_role("button", name="Timer starten").click()
    clock = phone.locator("#timer .timer-clock")
    expect(clock).to_have_text(re.compile(r"0:0[1-3]"))
    expect(phone.locator("#timer .timer-done")).to_be_visible(timeout=8000)
    expect(phone.locator("#timer .timer-done")).to_have_text("De tijd is om!")
    fac.get_by_role("button", name="Opnieuw").click()
    expect(phone.locator("#timer .timer-clock")).to_have_count(0)


def test_private_writing_and_reveal_on_phones(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    anna = pages.open(PHONE)
    join(anna, join_link, "Anna")
    bram = pages.open(PHONE)
    join(bram, join_link, "Bram")
    open_controls(fac)
    fac.get_by_role("button", name="Privé schrijven starten").click()
    expect(anna.locator("#session-state")).to_contain_text("Privé schrijven")
    add_card(anna, "Mijn eigen idee", cell=0)
    expect(anna.locator("article.private", has_text="Mijn eigen idee")).to_be_visible()
    expect(bram.locator("td.cell").first).to_contain_text("1 kaart is nog privé")
    expect(bram.locator("article", has_text="Mijn eigen idee")).to_have_count(0)
    assert "Mijn eigen idee" not in bram.content() and "Mijn eigen idee" not in fac.content()
    # A change to the whole board (a phase renamed) keeps Anna's own private card on her screen.
    fac.get_by_role("button", name="Fase bewerken: Fase 2").click()
    fac.get_by_label("Naam").fill("Zelf helpen")
    fac.get_by_role("button", name="Opslaan").click()
    expect(anna.locator("th.phase").nth(1)).to_contain_text("Zelf helpen")
    expect(anna.locator("article.private", has_text="Mijn eigen idee")).to_be_visible()
    fac.get_by_role("button", name="Alle kaarten laten zien").click()
    expect(bram.locator("article", has_text="Mijn eigen idee")).to_be_visible()
    expect(anna.locator("article", has_text="Mijn eigen idee")).to_have_count(1)
    expect(anna.locator("article.private")).to_have_count(0)
