"""Never lose an edit: replays apply once, conflicts keep both texts, history, undo, polling."""

from __future__ import annotations

import threading
import time

from bs4 import BeautifulSoup

from tests.support import LiveServer, Person, card_texts


def setup(facilitator, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = facilitator.cell_ids(ws.slug)
    return ws, anna, bram, phases, lanes


def only_card(person, slug):
    return person.board(slug).select_one("article.card")


def test_a_replayed_card_applies_once(facilitator, make_person):
    ws, anna, bram, phases, lanes = setup(facilitator, make_person)
    form = {"phase_id": phases[0], "lane_id": lanes[0], "text": "offline geschreven", "client_id": "3f1c2d9e-aaaa-bbbb-cccc-0123456789ab"}
    for _ in range(3):
        assert anna.post(f"/w/{ws.slug}/cards", form).status_code == 200
    assert card_texts(facilitator.board(ws.slug)) == ["offline geschreven"]
    # Someone else cannot claim that client id.
    r = bram.post(f"/w/{ws.slug}/cards", {**form, "text": "kaping"})
    assert r.status_code == 422 and "client_id hoort al bij een andere kaart" in r.text
    # A malformed client id is named as what it is, not as a part of the board that is gone (issue 16).
    for person, lang, message in ((anna, "nl", "Deze client_id is ongeldig"), (make_person("en"), "en", "This client_id is not valid")):
        if lang == "en":
            person.join(ws, "Eef")
        r = person.post(f"/w/{ws.slug}/cards", {**form, "client_id": "x"}, headers={"HX-Target": "card-error"})
        assert r.status_code == 422 and message in r.text and "bord" not in r.text, r.text
    assert card_texts(facilitator.board(ws.slug)) == ["offline geschreven"]


def test_two_saves_of_one_card_keep_both_versions(facilitator, make_person):
    ws, anna, bram, phases, lanes = setup(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "begin")
    card = only_card(anna, ws.slug)
    cid, version = card["data-card-id"], card["data-version"]
    # Both opened version 1; Anna saves first.
    assert anna.post(f"/w/{ws.slug}/cards/{cid}", {"text": "versie van Anna", "version": version}).status_code == 200
    r = bram.post(f"/w/{ws.slug}/cards/{cid}", {"text": "versie van Bram", "version": version}, headers={"HX-Target": "card-error"})
    assert r.status_code == 409
    assert "Iemand anders heeft deze kaart veranderd" in r.text
    current = BeautifulSoup(r.text, "html.parser").select_one("[data-current-version]")["data-current-version"]
    assert card_texts(facilitator.board(ws.slug)) == ["versie van Anna"]
    # Bram saves again, knowingly: his text wins, Anna's stays in the history.
    assert bram.post(f"/w/{ws.slug}/cards/{cid}", {"text": "versie van Bram", "version": current}).status_code == 200
    assert card_texts(facilitator.board(ws.slug)) == ["versie van Bram"]
    history = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/cards/{cid}/history").text, "html.parser")
    texts = [p.get_text() for p in history.select(".history-text")]
    assert texts == ["versie van Bram", "versie van Anna", "begin"]
    # The facilitator restores Anna's version (a new version; nothing lost).
    restore = next(b for b in history.select("button[hx-post*='restore-version']")
                   if "versie van Anna" in b.find_parent("li").get_text())
    seq = restore["hx-vals"].split('"seq": "')[1].split('"')[0]
    assert anna.post(f"/w/{ws.slug}/cards/{cid}/restore-version", {"seq": seq}).status_code == 403
    assert facilitator.post(f"/w/{ws.slug}/cards/{cid}/restore-version", {"seq": seq}).status_code == 200
    assert card_texts(bram.board(ws.slug)) == ["versie van Anna"]


def test_undo_changes_only_ones_own_change(facilitator, make_person):
    ws, anna, bram, phases, lanes = setup(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "van Anna")
    bram.add_card(ws.slug, phases[1], lanes[0], "van Bram")
    cid = next(a["data-card-id"] for a in anna.board(ws.slug).select("article.card") if "van Anna" in a.get_text())
    anna.post(f"/w/{ws.slug}/cards/{cid}", {"text": "van Anna, bewerkt"})
    # Anna's undo: her edit, then her card. Bram's card is never touched.
    assert anna.post(f"/w/{ws.slug}/undo").status_code == 200
    assert sorted(card_texts(facilitator.board(ws.slug))) == ["van Anna", "van Bram"]
    assert anna.post(f"/w/{ws.slug}/undo").status_code == 200
    assert card_texts(facilitator.board(ws.slug)) == ["van Bram"]
    r = anna.post(f"/w/{ws.slug}/undo")
    assert r.status_code == 422 and "niets van jou" in r.text
    assert card_texts(facilitator.board(ws.slug)) == ["van Bram"]
    # Once someone else changed the card, one's own earlier change is not undone over it.
    anna.add_card(ws.slug, phases[2], lanes[0], "samen")
    sid = next(a["data-card-id"] for a in anna.board(ws.slug).select("article.card") if "samen" in a.get_text())
    bram.post(f"/w/{ws.slug}/cards/{sid}", {"text": "samen, door Bram aangevuld"})
    r = anna.post(f"/w/{ws.slug}/undo")
    assert r.status_code == 409
    assert sorted(card_texts(facilitator.board(ws.slug))) == ["samen, door Bram aangevuld", "van Bram"]


def test_polling_for_browsers_without_websockets(facilitator, make_person):
    ws, anna, bram, phases, lanes = setup(facilitator, make_person)
    seq = int(anna.board(ws.slug).select_one("#board-seq")["data-seq"])
    assert anna.get(f"/w/{ws.slug}/changes?since={seq}").status_code == 204
    bram.add_card(ws.slug, phases[0], lanes[0], "via polling")
    r = anna.get(f"/w/{ws.slug}/changes?since={seq}")
    assert r.status_code == 200 and "via polling" in r.text and 'id="board-root"' in r.text
    assert int(BeautifulSoup(r.text, "html.parser").select_one("#board-seq")["data-seq"]) > seq
    assert make_person().get(f"/w/{ws.slug}/changes?since=0").status_code == 403


def test_who_is_editing_reaches_the_others(facilitator, make_person):
    ws, anna, bram, phases, lanes = setup(facilitator, make_person)
    anna.add_card(ws.slug, phases[0], lanes[0], "samen schrijven")
    cid = int(only_card(anna, ws.slug)["data-card-id"])
    with bram.socket(ws.slug) as watcher, anna.socket(ws.slug) as editor:
        watcher.drain()
        editor.send({"type": "editing", "card": cid})
        msg = watcher.recv_until(lambda m: 'id="editing"' in m and "Anna" in m)
        assert f"&#34;{cid}&#34;" in msg or f'"{cid}"' in msg
        editor.send({"type": "editing", "card": None})
        watcher.recv_until(lambda m: 'id="editing"' in m and "Anna" not in m)


def test_kill_9_during_a_burst_keeps_every_acknowledged_edit(tmp_path):
    server = LiveServer(tmp_path).start()
    try:
        fac = Person(server.url)
        ws = fac.create_workshop("Duurzaam")
        phases, lanes = fac.cell_ids(ws.slug)
        people = [Person(server.url) for _ in range(10)]
        for i, p in enumerate(people):
            p.join(ws, f"P{i}")
        acknowledged: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def burst(i: int, person: Person) -> None:
            for k in range(55):
                if stop.is_set():
                    return
                text = f"p{i}-k{k}"
                try:
                    r = person.add_card(ws.slug, phases[k % 7], lanes[i % 5], text)
                except Exception:  # noqa: BLE001 - the server was killed mid-request: not acknowledged
                    return
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(text)

        threads = [threading.Thread(target=burst, args=(i, p)) for i, p in enumerate(people)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 500 and time.monotonic() < deadline:
            time.sleep(0.002)
        server.kill()  # SIGKILL while the last of the 550 are still in flight
        stop.set()
        for t in threads:
            t.join()
        assert len(acknowledged) >= 500
        server = LiveServer(tmp_path, port=server.port).start()
        stored = set(card_texts(fac.board(ws.slug)))
        missing = [t for t in acknowledged if t not in stored]
        assert missing == [], f"{len(missing)} acknowledged edits lost"
    finally:
        server.stop()
