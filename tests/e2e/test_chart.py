"""The praatplaat in real Chromium: a facilitator on a laptop, participants on phones."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_live_board import add_card, create_workshop, join


def open_chart(page) -> None:
    page.get_by_role("button", name="Praatplaat", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-view", "chart")


def step(page, selector: str, text: str):
    """A step of the chart (`.step-box` in the drawing, `.flow-step` in the flow) by its own text."""
    return page.locator(selector).filter(has=page.locator(".step-text", has_text=re.compile("^" + re.escape(text) + "$")))


def open_board(page) -> None:
    page.get_by_role("button", name="Blauwdruk", exact=True).click()
    expect(page.get_by_role("table")).to_be_visible()


def test_linking_a_card_to_a_step_shows_on_both_views_live(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna", "digicoach")
    add_card(phone, "Digicoach weet niet wie de leverancier belt", cell=2)

    # On the phone: the card's dialog, its chart steps, one tick (saved at once).
    phone.locator("article", has_text="Digicoach weet").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    phone.locator("#card-links summary").click()
    phone.get_by_role("checkbox", name="Serviceverzoek indienen").check()

    # The facilitator's blueprint shows the chip on the card, live.
    card = fac.locator("article.card", has_text="Digicoach weet")
    expect(card.locator(".step-chip")).to_have_text(re.compile(r"Applicatieondersteuner\W+Serviceverzoek indienen"))
    phone.get_by_role("button", name="Annuleren").click()
    expect(phone.locator("article.card .step-chip")).to_contain_text("Serviceverzoek indienen")

    # The chart counts the card at that step: the drawing on the laptop, the flow on the phone.
    open_chart(fac)
    box = step(fac, ".step-box", "Serviceverzoek indienen")
    expect(box.locator(".step-count")).to_have_text(re.compile(r"1 kaart$"))
    open_chart(phone)
    expect(phone.locator(".chart-flow")).to_be_visible()
    expect(phone.locator(".chart-drawing")).to_be_hidden()
    expect(step(phone, ".flow-step", "Serviceverzoek indienen").locator(".step-count")).to_have_text(re.compile(r"1 kaart$"))

    # Selecting the step highlights its cards on the blueprint.
    box.get_by_role("button", name="Serviceverzoek indienen", exact=True).click()
    expect(fac.locator("#step-panel")).to_contain_text("1 kaart")
    fac.get_by_role("button", name="Kaarten tonen op de blauwdruk").click()
    expect(fac.get_by_role("table")).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bis-linked\b"))
    expect(fac.locator("#step-filter")).to_contain_text("Serviceverzoek indienen")

    # Unticked on the phone: the chip leaves the laptop's card and the count goes back.
    open_board(phone)
    phone.locator("article", has_text="Digicoach weet").get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    phone.locator("#card-links summary").click()
    phone.get_by_role("checkbox", name="Serviceverzoek indienen").uncheck()
    expect(card.locator(".step-chip")).to_have_count(0)
    open_chart(fac)
    expect(box.locator(".step-count")).to_be_hidden()
    assert pages.console_errors == []


def test_the_group_follows_a_case_and_adds_a_card_from_a_step(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    sockets = []
    phone.on("websocket", lambda ws: sockets.append(ws.url))
    join(phone, join_link, "Bram", "begeleider")

    # Bram is typing a card when the facilitator starts a case.
    phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    phone.get_by_label("Tekst").fill("Half getypt, niet kwijtraken")
    open_chart(fac)
    fac.locator(".walk-starts").get_by_role("button", name="Ik heb een vraag.").click()

    # Every screen follows: Bram's page moves to the chart; his dialog and text stay.
    expect(phone.locator("body")).to_have_attribute("data-view", "chart")
    expect(phone.get_by_label("Tekst")).to_have_value("Half getypt, niet kwijtraken")
    phone.get_by_role("button", name="Annuleren").click()
    expect(phone.locator(".walk-here")).to_contain_text("Ik heb een vraag.")

    fac.locator(".walk-options").get_by_role("button", name=re.compile("Medewerker zorg en ondersteuning helpt cliënt")).click()
    expect(phone.locator(".walk-here")).to_contain_text("Medewerker zorg en ondersteuning helpt cliënt.")
    fac.locator(".walk-options").get_by_role("button", name=re.compile("^Technisch probleem")).click()
    expect(phone.locator(".walk-here")).to_contain_text("Serviceverzoek indienen")
    expect(phone.locator(".flow-step.is-current")).to_contain_text("Serviceverzoek indienen")
    expect(fac.locator(".step-box.is-current")).to_contain_text("Serviceverzoek indienen")
    expect(fac.locator("path.arrow.on-walk")).to_have_count(2)
    # Participants follow, they do not steer.
    expect(phone.locator(".walk-options").get_by_role("button")).to_have_count(0)

    # Moving between the views keeps the draft (and the one connection).
    open_board(phone)
    phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    expect(phone.get_by_label("Tekst")).to_have_value("Half getypt, niet kwijtraken")
    phone.get_by_role("button", name="Annuleren").click()
    open_chart(phone)

    # A card straight from the current step, onto the blueprint, linked to the step.
    phone.locator(".walk").get_by_role("button", name="+ Kaart bij deze stap").click()
    expect(phone.locator("#card-where")).to_have_text("Bij stap: Applicatieondersteuner · Serviceverzoek indienen")
    phone.get_by_label("Tekst").fill("Wie mag een serviceverzoek indienen?")
    phone.get_by_label("Fase", exact=True).select_option(label="Fase 2")
    phone.get_by_label("Rij", exact=True).select_option(label="Processen")
    phone.get_by_role("button", name="Opslaan").click()
    expect(phone.locator("#card-dialog")).not_to_be_visible()

    open_board(fac)
    phase_id = fac.locator("th.phase").nth(1).get_attribute("data-phase-id")
    lane_id = fac.locator("th.lane").nth(3).get_attribute("data-lane-id")
    card = fac.locator(f"#cards-{phase_id}-{lane_id} article", has_text="Wie mag een serviceverzoek indienen?")
    expect(card.locator(".step-chip")).to_contain_text("Serviceverzoek indienen")
    assert len(sockets) == 1, sockets
    expect(phone.locator("#connection")).to_have_attribute("data-state", "online")
    assert pages.console_errors == []


def test_the_facilitator_adapts_the_chart_and_opens_it_to_everyone(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Cem")
    open_chart(fac)
    open_chart(phone)
    # Participants get no edit controls while the facilitator alone adapts the chart.
    expect(phone.get_by_role("button", name=re.compile("^Niveau bewerken"))).to_have_count(0)
    expect(phone.locator(".chart-who")).to_have_text("De facilitator past deze praatplaat aan.")

    fac.get_by_role("button", name="Niveau bewerken: Applicatieondersteuner").click()
    fac.get_by_label("Naam").fill("Digitale hulp")
    fac.get_by_label("Voorbeeldrollen").fill("Digicoach Anja\nSuperuser")
    fac.get_by_role("button", name="Opslaan").click()
    expect(fac.locator("#struct-dialog")).not_to_be_visible()
    level = phone.locator(".flow-level[data-name='Digitale hulp']")
    expect(level.locator(".level-roles")).to_have_text("Digicoach Anja, Superuser")

    fac.get_by_label("Wie mag de praatplaat aanpassen?").select_option("everyone")
    expect(phone.locator(".chart-who")).to_have_text("Iedereen mag deze praatplaat aanpassen.")
    phone.get_by_role("button", name="Stap bewerken: Serviceverzoek indienen").click()
    phone.locator("#struct-dialog").get_by_label("Tekst", exact=True).fill("Melding maken in het portaal")
    phone.get_by_role("button", name="Opslaan", exact=True).click()
    expect(step(fac, ".step-box", "Melding maken in het portaal")).to_be_visible()
    assert pages.console_errors == []
