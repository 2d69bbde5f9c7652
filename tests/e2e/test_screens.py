"""The board first: positions measured in real Chromium, at 1440x900 and 390x844.

Not only "is it there" but "is it on the first screen": the first add-card control on first load,
one phase column on a phone after every kind of board-wide update, the projector's QR and code
wholly on screen at common projector sizes, and no facilitator link in what is projected.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_facilitation import close_controls, open_controls
from tests.e2e.test_live_board import add_card, create_workshop, join

ADD = re.compile("^Kaart toevoegen")


def box_in_viewport(page: Page, locator) -> dict:
    """The element's box; asserts that it lies wholly within the viewport (no scrolling needed)."""
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= vw + 0.5 and box["y"] + box["height"] <= vh + 0.5, (box, vw, vh)
    return box


def sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_laptop_first_load_of_a_new_workshop_shows_the_board_and_its_add_button(pages, server):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server)
    box_in_viewport(fac, fac.get_by_role("button", name=ADD).first)
    # The whole default board (7 phases) fits the width: the last phase's column is on screen too.
    box_in_viewport(fac, fac.locator("th.phase").nth(6))
    box_in_viewport(fac, fac.get_by_role("button", name=re.compile("^Kaart toevoegen: Fase 7")).first)
    assert sideways_overflow(fac) <= 1
    # No panels above the grid: the controls are in the bar, the drawer is closed, the invite is on demand.
    expect(fac.locator("#fac-drawer")).to_be_hidden()
    expect(fac.locator("#invite-dialog")).to_be_hidden()
    assert fac.locator("#board").bounding_box()["y"] < 200


def test_phone_first_load_as_participant_shows_the_lanes_and_add_button(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    box_in_viewport(phone, phone.get_by_role("button", name=ADD).first)
    box_in_viewport(phone, phone.locator("#phase-tabs"))
    expect(phone.locator("th.phase:visible")).to_have_count(1)
    assert sideways_overflow(phone) <= 1
    # The phase tabs and the timer stay in view while scrolling down the lanes.
    open_controls(fac)
    fac.get_by_role("button", name="Timer starten").click()
    expect(phone.locator("#timer .timer-clock")).to_be_visible()
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    phone.wait_for_function("() => window.scrollY > 150")
    box_in_viewport(phone, phone.locator("#phase-tabs"))
    box_in_viewport(phone, phone.locator("#timer .timer-clock"))


def _phone_state(phone: Page) -> tuple[int, str, str, int]:
    """(visible phase columns, the visible column's phase name, the pressed tab, sideways overflow)."""
    return phone.evaluate("""() => {
        const vis = [...document.querySelectorAll('#board th.phase')].filter(th => th.offsetParent !== null);
        const cells = [...document.querySelectorAll('#board tbody.group-visible tr:first-child td.cell')].filter(td => td.offsetParent !== null);
        const tab = document.querySelector('#phase-tabs [aria-pressed=true]');
        return [vis.length + 100 * (cells.length - 1), vis.length ? vis[0].querySelector('.phase-name').textContent : '',
                tab ? tab.textContent : '', document.documentElement.scrollWidth - document.documentElement.clientWidth];
    }""")


def _assert_one_phase(phone: Page, name: str) -> None:
    columns, shown, tab, overflow = _phone_state(phone)
    assert (columns, shown, tab) == (1, name, name), (columns, shown, tab)
    assert overflow <= 1, overflow
    box_in_viewport(phone, phone.locator("#phase-tabs [aria-pressed=true]"))


def test_the_phone_keeps_its_phase_through_every_board_wide_update(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    add_card(fac, "Een kaart in fase 3", cell=2)
    phone.get_by_role("button", name="Fase 3", exact=True).click()
    _assert_one_phase(phone, "Fase 3")

    def seq() -> int:
        return int(phone.locator("#board-seq").get_attribute("data-seq"))

    def after(action, until) -> None:
        before = seq()
        action()
        until()
        phone.wait_for_function("(s) => Number(document.getElementById('board-seq').dataset.seq) > s", arg=before)
        _assert_one_phase(phone, "Fase 3")

    open_controls(fac)
    # A vote round starts, then ends.
    after(lambda: fac.get_by_role("button", name="Stemronde starten").click(),
          lambda: expect(phone.locator("#vote-panel")).to_contain_text("Stemronde"))
    after(lambda: fac.get_by_role("button", name="Stemronde beëindigen").click(),
          lambda: expect(phone.get_by_role("button", name=re.compile("^Stem op"))).to_have_count(0))
    # Anonymity changes.
    after(lambda: fac.get_by_label("Schrijvers tonen").select_option("none"),
          lambda: expect(phone.locator("article", has_text="Een kaart in fase 3").locator(".card-author")).to_have_count(0))
    # Private cards are revealed.
    fac.get_by_role("button", name="Privé schrijven starten").click()
    expect(phone.locator("#session-state")).to_contain_text("Privé schrijven")
    _assert_one_phase(phone, "Fase 3")
    add_card(phone, "Mijn privé idee", cell=0)
    _assert_one_phase(phone, "Fase 3")
    after(lambda: fac.get_by_role("button", name="Alle kaarten laten zien").click(),
          lambda: expect(fac.locator("article", has_text="Mijn privé idee")).to_be_visible())
    # A phase is edited (renamed, given a trigger).
    close_controls(fac)
    fac.get_by_role("button", name="Fase bewerken: Fase 1").click()
    fac.get_by_label("Naam").fill("Hulp vragen")
    fac.get_by_label("Aanleiding").fill("De app doet het niet")
    after(lambda: fac.locator("#struct-dialog").get_by_role("button", name="Opslaan").click(),
          lambda: expect(phone.locator("#phase-tabs")).to_contain_text("Hulp vragen"))
    # A catch-up after a reconnect: the client says where it is and the server sends the whole board.
    phone.evaluate("window.zlOldRoot = document.getElementById('board-root')")
    phone.evaluate("document.getElementById('live')['htmx-internal-data'].webSocket"
                   ".send(JSON.stringify({type: 'hello', seq: -1}))")
    phone.wait_for_function("() => document.getElementById('board-root') !== window.zlOldRoot")
    _assert_one_phase(phone, "Fase 3")
    # And a reload keeps both the phase and the view.
    phone.reload()
    expect(phone.locator("#connection")).to_have_attribute("data-state", "online")
    _assert_one_phase(phone, "Fase 3")


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900), (1920, 1080)], ids=["720p", "laptop", "1080p"])
def test_the_projector_join_face_shows_qr_and_code_whole_and_no_facilitator_link(pages, server, size):
    viewport = {"width": size[0], "height": size[1]}
    fac = pages.open(viewport)
    join_link = create_workshop(fac, server)
    own_link = fac.request.get(fac.url.rstrip("/") + "/facilitator-link").text()
    token = re.search(r"/f/([\w-]+)", own_link).group(1)
    # The facilitator had opened the drawer (and their own link in it) before projecting.
    open_controls(fac)
    fac.get_by_role("button", name="Mijn facilitatorlink tonen").click()
    expect(fac.locator("#own-link a")).to_contain_text("/f/")
    fac.get_by_role("link", name="Projectorweergave").click()
    expect(fac.locator("#projector-view")).to_be_visible()
    fac.wait_for_function("() => document.querySelector('.qr-big').complete")
    qr = box_in_viewport(fac, fac.locator(".qr-big"))
    assert qr["height"] >= size[1] * 0.5  # large, for the back of the room
    box_in_viewport(fac, fac.locator(".projector-code"))
    box_in_viewport(fac, fac.locator("#presence-count-big"))
    assert sideways_overflow(fac) <= 1
    text = fac.evaluate("document.body.innerText")
    assert "/f/" not in text and token not in text
    assert join_link.split("/j/")[1] in text  # the join link is for everyone
    for hidden in ("Regie", "Uitnodigen", "Exporteren", "Stemronde starten"):
        assert hidden not in text, hidden
    # The board face: the board itself, read-only, no controls; it follows the facilitator's focus.
    fac.locator(".projector-bar").get_by_role("button", name="Bord", exact=True).click()
    expect(fac.locator("#board")).to_be_visible()
    expect(fac.get_by_role("button", name=ADD)).to_have_count(0)
    text = fac.evaluate("document.body.innerText")
    assert "/f/" not in text and token not in text and "Regie" not in text
    fac.keyboard.press("Escape")
    expect(fac.locator("#boardbar")).to_be_visible()


def test_the_projector_board_face_follows_focus_and_shows_the_timer(pages, server):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server)
    open_controls(fac)
    fac.get_by_label("Minuten").fill("5")
    fac.get_by_role("button", name="Timer starten").click()
    fac.get_by_label("Breng iedereen naar").select_option(label="Fase 6")
    fac.get_by_role("button", name="Iedereen hierheen").click()
    fac.get_by_role("link", name="Projectorweergave").click()
    fac.locator(".projector-bar").get_by_role("button", name="Bord", exact=True).click()
    box_in_viewport(fac, fac.locator("#timer .timer-clock"))
    expect(fac.locator("th.phase").nth(5)).to_be_in_viewport()
    expect(fac.locator("#fac-drawer")).to_be_hidden()


def test_a_removed_participant_gets_a_page_that_says_so(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    open_controls(fac)
    fac.get_by_role("button", name="Deelnemers").click()
    fac.once("dialog", lambda d: d.accept())
    fac.locator("#struct-dialog li", has_text="Anna").get_by_role("button", name="Verwijderen").click()
    expect(phone.locator("#removed-notice")).to_contain_text("De facilitator heeft je uit deze workshop verwijderd")
    expect(phone.get_by_text("Niet verbonden")).to_have_count(0)
    # The same link does not let her in again silently.
    phone.goto(join_link)
    expect(phone.locator("#removed-notice")).to_be_visible()
    expect(phone.get_by_label("Je naam")).to_have_count(0)


def test_a_closed_workshop_says_so_before_asking_a_name(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    open_controls(fac)
    fac.get_by_role("button", name="Meedoen sluiten").click()
    expect(fac.get_by_role("button", name="Meedoen openen")).to_be_visible()
    phone = pages.open(PHONE)
    phone.goto(join_link)
    expect(phone.locator("#joining-closed")).to_contain_text("Deelnemen is gesloten")
    expect(phone.get_by_label("Je naam")).to_have_count(0)


def test_english_screens_name_the_built_in_tags_in_english_and_two_editors_in_the_plural(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)  # a Dutch workshop
    add_card(fac, "Samen bewerken")
    anna = pages.open(DESKTOP, locale="en-GB")
    anna.goto(join_link)
    anna.get_by_label("Your name").fill("Anna")
    anna.get_by_role("button", name="Join").click()
    expect(anna.locator("#connection")).to_have_attribute("data-state", "online")
    card = anna.locator("article", has_text="Samen bewerken")
    card.get_by_role("button", name=re.compile("^Tags for")).click()
    expect(anna.locator("#tag-buttons")).to_contain_text("undocumented knowledge")
    expect(anna.locator("#tag-buttons")).not_to_contain_text("niet-gedocumenteerde kennis")
    anna.get_by_role("button", name="Done").click()
    bram = pages.open(DESKTOP)
    join(bram, join_link, "Bram")
    for who in (anna, bram):
        who.locator("article", has_text="Samen bewerken").locator("[data-action=edit-card]").click()
    expect(fac.locator("article", has_text="Samen bewerken").locator(".editing-badge")).to_have_text(
        "Anna en Bram bewerken deze kaart")
