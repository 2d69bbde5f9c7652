"""Hospital Wi-Fi in real Chromium: offline writing, catching up after missed changes, no websockets."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_live_board import add_card, create_workshop, join
from tests.support import Person, Workshop


def test_a_card_written_offline_arrives_when_back_online(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna")
    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_contain_text("Niet verbonden: je wijzigingen worden bewaard")
    phone.get_by_role("button", name=re.compile("^Kaart toevoegen")).first.click()
    phone.get_by_label("Tekst").fill("Geschreven in de kelder")
    phone.get_by_role("button", name="Opslaan").click()
    pending = phone.locator("article.pending", has_text="Geschreven in de kelder")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("Nog niet verstuurd")
    expect(fac.locator("article", has_text="Geschreven in de kelder")).to_have_count(0)
    phone.context.set_offline(False)
    expect(fac.locator("article", has_text="Geschreven in de kelder")).to_have_count(1, timeout=20_000)
    expect(phone.locator("article.pending")).to_have_count(0, timeout=20_000)
    expect(phone.locator("article", has_text="Geschreven in de kelder")).to_have_count(1)
    expect(phone.locator("#connection")).to_have_attribute("data-state", re.compile("back|online"))


def normalised_board(page) -> str:
    return page.evaluate("""() => {
        const root = document.getElementById('board-root').cloneNode(true);
        root.querySelectorAll('.focused, .phase-off').forEach(el => el.classList.remove('focused', 'phase-off'));
        root.querySelectorAll('[hx-swap-oob]').forEach(el => el.removeAttribute('hx-swap-oob'));
        root.removeAttribute('hx-swap-oob');
        return root.innerHTML.replace(/\\s+/g, ' ');
    }""")


def test_a_client_that_missed_20_changes_ends_with_the_same_board(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    stayed = pages.open(DESKTOP)
    join(stayed, join_link, "Bleef")
    away = pages.open(DESKTOP)
    # The network between `away` and the server: it drops the socket and refuses new ones while cut.
    cut = {"on": False, "sockets": []}

    def network(ws_route):
        if cut["on"]:
            ws_route.close(code=1013, reason="no network")
            return
        ws_route.connect_to_server()
        cut["sockets"].append(ws_route)

    away.route_web_socket(re.compile(r".*/ws$"), network)
    # The network is gone for HTTP too: after three failed opens app.js polls /changes instead.
    away.route(re.compile(r".*/changes\?.*"), lambda route: route.abort() if cut["on"] else route.continue_())
    join(away, join_link, "Weg")
    add_card(fac, "al voor de storing")
    expect(away.locator("article", has_text="al voor de storing")).to_be_visible()
    cut["on"] = True
    for ws_route in cut["sockets"]:
        ws_route.close(code=1012, reason="network gone")
    expect(away.locator("#connection")).to_have_attribute("data-state", "offline")
    # 20 changes by someone else over HTTP: adds, edits, moves, deletes and a rename.
    slug = stayed.url.rstrip("/").split("/")[-1]
    writer = Person(server.url)
    writer.join(Workshop(slug=slug, join_link=join_link, join_code="", facilitator_link=""), "Schrijver")
    phases, lanes = writer.cell_ids(slug)
    for i in range(12):
        assert writer.add_card(slug, phases[i % 7], lanes[i % 5], f"gemist {i}").status_code == 200
    ids = [a["data-card-id"] for a in writer.board(slug).select("article.card")]
    for cid in ids[:3]:
        writer.post(f"/w/{slug}/cards/{cid}", {"text": f"bewerkt {cid}"})
    for cid in ids[3:6]:
        writer.post(f"/w/{slug}/cards/{cid}/move", {"phase_id": phases[6], "lane_id": lanes[4]})
    writer.post(f"/w/{slug}/cards/{ids[6]}/delete")
    fac.get_by_role("button", name="Fase bewerken: Fase 2").click()
    fac.get_by_label("Naam").fill("Na de storing")
    fac.get_by_role("button", name="Opslaan").click()
    expect(stayed.locator("th.phase").nth(1)).to_contain_text("Na de storing")
    assert "gemist" not in away.content()  # it really missed them
    cut["on"] = False
    expect(away.locator("th.phase").nth(1)).to_contain_text("Na de storing", timeout=20_000)
    expect(away.locator("article.card")).to_have_count(stayed.locator("article.card").count())
    assert normalised_board(away) == normalised_board(stayed)


def test_without_websockets_the_board_still_updates(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server)
    blocked = pages.open(PHONE)
    # As if the IT department blocks websockets: the browser has none.
    blocked.add_init_script("delete window.WebSocket; window.WebSocket = undefined;")
    blocked.goto(join_link)
    blocked.get_by_label("Je naam").fill("Zonder socket")
    blocked.get_by_role("button", name="Deelnemen").click()
    expect(blocked.locator("body")).to_have_attribute("data-transport", "polling")
    add_card(fac, "komt via polling")
    expect(blocked.locator("article", has_text="komt via polling")).to_be_visible(timeout=15_000)
    # And what it writes reaches the others.
    add_card(blocked, "geschreven zonder socket")
    expect(fac.locator("article", has_text="geschreven zonder socket")).to_be_visible()
