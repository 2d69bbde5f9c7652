"""Tagging on a phone, seen live on the facilitator's board: chip, heat map, revisit list, filter."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_facilitation import open_controls
from tests.e2e.test_live_board import add_card, create_workshop, join, open_tools


def test_participant_tags_a_card_on_a_phone_and_the_facilitator_sees_it(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    add_card(phone, "Niemand weet wie dit regelt", cell=0)
    add_card(fac, "Gewone stap zonder label", cell=1)

    # Two taps on the phone: the label button on the card, then the tag.
    card = phone.locator("article", has_text="Niemand weet wie dit regelt")
    card.get_by_role("button", name=re.compile("^Labels voor")).click()
    phone.get_by_role("button", name=re.compile("niet-gedocumenteerde kennis")).click()
    expect(phone.get_by_role("button", name=re.compile("niet-gedocumenteerde kennis"))).to_have_attribute("aria-pressed", "true")
    phone.get_by_role("button", name="Klaar").click()

    fac_card = fac.locator("article", has_text="Niemand weet wie dit regelt")
    expect(fac_card.locator(".tag")).to_contain_text("niet-gedocumenteerde kennis")
    expect(fac_card.locator(".tag-letter")).to_have_text("K")

    # Heat map: the count per cell, shown (not only coloured) when switched on.
    open_tools(fac)
    fac.get_by_role("button", name="Hittekaart").click()
    heat = fac.locator("td.cell").nth(0).locator(".heat-count")
    expect(heat).to_be_visible()
    expect(heat).to_contain_text("1")

    # The revisit view lists it under its tag; a click jumps back to the card on the board.
    fac.get_by_role("button", name="Terugkomen op").click()
    revisit = fac.locator("#revisit")
    expect(revisit.locator(".revisit-tag h3")).to_contain_text("niet-gedocumenteerde kennis")
    expect(revisit).to_contain_text("Niemand weet wie dit regelt")
    expect(revisit).not_to_contain_text("Gewone stap zonder label")
    # A follow-up: its form is fetched into the dialog, saved, and shown in the list.
    revisit.get_by_role("button", name="Opvolging: Niemand weet wie dit regelt").click()
    expect(fac.get_by_label("Wat gaan we doen?")).to_be_focused()
    fac.get_by_label("Wat gaan we doen?").fill("Kennisbank opzetten")
    fac.get_by_label("Eigenaar").fill("Mirjam")
    fac.get_by_role("button", name="Opslaan").click()
    expect(fac.locator("#struct-dialog")).to_be_hidden()
    expect(revisit).to_contain_text("Eigenaar: Mirjam")
    revisit.get_by_role("link", name="Niemand weet wie dit regelt").click()
    expect(fac.locator("#board-view")).to_be_visible()
    expect(fac_card).to_be_in_viewport()

    # The filter hides the untagged card.
    open_tools(fac)
    fac.get_by_label("Toon").select_option(label="alleen K · niet-gedocumenteerde kennis")
    expect(fac.locator("article", has_text="Gewone stap zonder label")).to_be_hidden()
    expect(fac_card).to_be_visible()
    # It stays applied when another change arrives live.
    add_card(phone, "Nog een kaart zonder label", cell=2)
    expect(fac.locator("article", has_text="Nog een kaart zonder label")).to_be_hidden()
    open_tools(fac)
    fac.get_by_label("Toon").select_option(value="")
    expect(fac.locator("article", has_text="Gewone stap zonder label")).to_be_visible()
    assert pages.console_errors == []


def test_dot_voting_on_a_phone(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Bram")
    add_card(fac, "Optie A", cell=0)
    add_card(fac, "Optie B", cell=1)
    open_controls(fac)
    fac.get_by_label("Stemmen per persoon").fill("2")
    fac.get_by_label(re.compile("Blind: aantallen")).uncheck()  # an open round: counts show as they come
    fac.get_by_role("button", name="Stemronde starten").click()
    expect(phone.locator("#my-votes")).to_have_text("Je hebt nog 2 stemmen.")
    phone.get_by_role("button", name="Stem op: Optie A").click()
    expect(phone.locator("#my-votes")).to_have_text("Je hebt nog 1 stem.")
    phone.get_by_role("button", name="Stem op: Optie A").click()
    expect(fac.locator("article", has_text="Optie A").locator(".card-votes")).to_contain_text("2")
    phone.get_by_role("button", name="Fase 2").click()  # one phase at a time on a phone
    phone.get_by_role("button", name="Stem op: Optie B").click()
    expect(phone.locator("#toast")).to_contain_text("Je hebt al je 2 stemmen gebruikt")
    fac.get_by_role("button", name="Stemronde beëindigen").click()
    expect(phone.locator("#vote-panel")).to_contain_text("Uitslag van de laatste ronde")
    expect(phone.get_by_role("button", name="Stem op: Optie A")).to_have_count(0)
