"""Screenshots of every screen at phone and desktop size, into docs/screenshots/ (`make screenshots`)."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from scripts.sample_board import build  # noqa: E402
from tests.support import LiveServer  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "phone-360": {"width": 360, "height": 740}, "desktop": {"width": 1440, "height": 900}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def walk(fac, ws, texts: list[str]) -> None:
    """The facilitator walks a case along these steps (over HTTP, as the buttons do)."""
    steps = {li["data-text"]: li["data-step-id"] for li in fac.board(ws.slug).select(".flow-step")}
    fac.post(f"/w/{ws.slug}/chart/walk/start", {"step_id": steps[texts[0]]})
    for text in texts[1:]:
        fac.post(f"/w/{ws.slug}/chart/walk/next", {"step_id": steps[text]})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            fac, ws, people = build(server.url)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for size, viewport in SIZES.items():
                    ctx = browser.new_context(viewport=viewport, locale="nl-NL", is_mobile=size.startswith("phone"),
                                              has_touch=size.startswith("phone"), device_scale_factor=1)
                    page = ctx.new_page()
                    page.goto(server.url + "/")
                    page.screenshot(path=OUT / f"home-{size}.png")
                    # The facilitator's board, through the facilitator link: the first screen, as it loads.
                    page.goto(ws.facilitator_link)
                    page.wait_for_selector("#connection[data-state=online]", state="attached")
                    page.screenshot(path=OUT / f"board-facilitator-{size}.png")
                    page.locator("#tools-menu > summary").click()
                    page.get_by_role("button", name="Hittekaart").click()
                    page.locator("#tools-menu > summary").click()
                    page.screenshot(path=OUT / f"heatmap-{size}.png")
                    page.locator("#tools-menu > summary").click()
                    page.get_by_role("button", name="Hittekaart").click()
                    page.get_by_role("button", name="Terugkomen op").click()
                    page.screenshot(path=OUT / f"revisit-{size}.png", full_page=True)
                    page.get_by_role("button", name="Blauwdruk").click()
                    # The facilitator's drawer ("Regie") beside the board, and the invite on demand.
                    page.get_by_role("button", name="Regie", exact=True).click()
                    page.screenshot(path=OUT / f"facilitator-controls-{size}.png")
                    page.locator("#fac-drawer .drawer-head button").click()
                    page.get_by_role("button", name="Uitnodigen").click()
                    page.screenshot(path=OUT / f"invite-{size}.png")
                    page.locator("#invite-dialog").get_by_role("button", name="Sluiten").click()
                    # The projector: its join face, then the board face (read-only).
                    page.get_by_role("link", name="Projectorweergave").click()
                    page.wait_for_function("() => document.querySelector('.qr-big').complete")
                    page.screenshot(path=OUT / f"projector-{size}.png")
                    page.locator(".projector-bar").get_by_role("button", name="Bord", exact=True).click()
                    page.screenshot(path=OUT / f"projector-board-{size}.png")
                    page.keyboard.press("Escape")
                    # A participant, joining on their own browser.
                    ctx2 = browser.new_context(viewport=viewport, locale="nl-NL", is_mobile=size.startswith("phone"),
                                               has_touch=size.startswith("phone"))
                    p = ctx2.new_page()
                    p.goto(ws.join_link)
                    p.screenshot(path=OUT / f"join-{size}.png")
                    p.get_by_label("Je naam").fill("Sanne")
                    p.get_by_label("Je rol (niet verplicht)").fill("begeleider")
                    p.get_by_role("button", name="Deelnemen").click()
                    p.wait_for_selector("#connection[data-state=online]", state="attached")
                    p.screenshot(path=OUT / f"board-participant-{size}.png")
                    p.get_by_role("button", name=re.compile("^Kaart toevoegen")).nth(2).click()
                    p.get_by_label("Tekst").fill("Vraag wordt op papier bijgehouden")
                    p.screenshot(path=OUT / f"card-dialog-{size}.png")
                    p.get_by_role("button", name="Annuleren").click()
                    # A blind vote round on the participant's screen, then its result.
                    fac.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind_field": "1", "blind": "1"})
                    p.wait_for_selector(".vote-blind")
                    p.evaluate("() => window.scrollTo(0, 0)")
                    cards = [a["data-card-id"] for a in fac.board(ws.slug).select("article.card")]
                    for i, person in enumerate(people[:3]):
                        for card in (cards[0], cards[0], cards[i + 2]):
                            person.post(f"/w/{ws.slug}/cards/{card}/vote")
                    p.screenshot(path=OUT / f"vote-blind-{size}.png")
                    fac.post(f"/w/{ws.slug}/votes/end")
                    p.wait_for_selector(".vote-results[open]")
                    p.evaluate("() => window.scrollTo(0, 0)")
                    p.screenshot(path=OUT / f"vote-result-{size}.png")
                    # The praatplaat: the facilitator's view, then a case being walked.
                    page.get_by_role("button", name="Praatplaat", exact=True).click()
                    page.screenshot(path=OUT / f"chart-facilitator-{size}.png", full_page=size == "desktop")
                    walk(fac, ws, ["Technologie doet het niet (goed).", "Medewerker zorg en ondersteuning helpt cliënt.",
                                   "Serviceverzoek indienen", "Ontvangst serviceverzoek"])
                    p.wait_for_selector(".walk.is-walking")
                    p.wait_for_timeout(600)  # the smooth scroll to the current step
                    p.screenshot(path=OUT / f"chart-walk-{size}.png")
                    fac.post(f"/w/{ws.slug}/chart/walk/stop")
                    page.get_by_role("button", name="Blauwdruk", exact=True).click()
                    # Removed: the participant's page says so (and a newcomer finds joining closed).
                    people_list = fac.get(f"/w/{ws.slug}/participants").text
                    sanne = re.findall(r'/participants/(\d+)/remove', people_list.split("Sanne")[1])[0]
                    fac.post(f"/w/{ws.slug}/participants/{sanne}/remove")
                    p.wait_for_selector("#removed-notice")
                    p.screenshot(path=OUT / f"removed-{size}.png")
                    fac.post(f"/w/{ws.slug}/settings/joining", {"value": "0"})
                    ctx3 = browser.new_context(viewport=viewport, locale="nl-NL", is_mobile=size.startswith("phone"),
                                               has_touch=size.startswith("phone"))
                    late = ctx3.new_page()
                    late.goto(ws.join_link)
                    late.screenshot(path=OUT / f"joining-closed-{size}.png")
                    ctx3.close()
                    fac.post(f"/w/{ws.slug}/settings/joining", {"value": "1"})
                    ctx2.close()
                    ctx.close()
                browser.close()
        finally:
            server.stop()
    print("screenshots in", OUT)


if __name__ == "__main__":
    main()
