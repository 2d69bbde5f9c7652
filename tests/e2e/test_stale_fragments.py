"""The browser never steps back: a fragment of an older board state (late answer, another
server process) does not replace a newer one (app.js, htmx:oobBeforeSwap on data-seq)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_live_board import add_card, create_workshop


def deliver(page: Page, html: str) -> None:
    """Swap out-of-band fragments as if they had arrived from the server."""
    page.evaluate("html => htmx.swap('#toast', html, {swapStyle: 'none'})", html)


def test_older_fragments_never_replace_newer_ones(pages, server):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server)
    add_card(fac, "eerste")
    card = fac.locator("article.card")
    card.get_by_role("button", name=re.compile("^Kaart bewerken")).click()
    fac.get_by_label("Tekst").fill("tweede")
    fac.get_by_role("button", name="Opslaan").click()
    expect(card).to_have_attribute("data-seq", "2")
    expect(fac.locator("#board-seq")).to_have_attribute("data-seq", "2")
    cell_id = card.evaluate("a => a.parentElement.id")
    card_html = card.evaluate("a => a.outerHTML")

    # The cell as it was before the card existed (state 0): ignored.
    deliver(fac, f'<div class="cards" id="{cell_id}" hx-swap-oob="true" data-seq="0"></div>')
    expect(fac.locator("article.card")).to_have_count(1)

    # The cell at state 1, holding the card's text of state 1: the cell is taken, the card
    # inside keeps its newer text (state 2).
    old_card = card_html.replace("tweede", "eerste").replace('data-seq="2"', 'data-seq="1"')
    deliver(fac, f'<div class="cards" id="{cell_id}" hx-swap-oob="true" data-seq="1">{old_card}</div>')
    expect(fac.locator("article.card .card-text")).to_have_text("tweede")

    # An answer's marker (partial) and an older marker do not move the catch-up position.
    deliver(fac, '<div id="board-seq" data-seq="99" data-partial="true" hidden hx-swap-oob="true"></div>')
    deliver(fac, '<div id="board-seq" data-seq="1" hidden hx-swap-oob="true"></div>')
    expect(fac.locator("#board-seq")).to_have_attribute("data-seq", "2")

    # A newer state does replace it: the card was deleted at state 3.
    deliver(fac, f'<div class="cards" id="{cell_id}" hx-swap-oob="true" data-seq="3"></div>')
    deliver(fac, '<div id="board-seq" data-seq="3" hidden hx-swap-oob="true"></div>')
    expect(fac.locator("article.card")).to_have_count(0)
    expect(fac.locator("#board-seq")).to_have_attribute("data-seq", "3")
    assert pages.console_errors == []
