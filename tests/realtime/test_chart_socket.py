"""The praatplaat live, with several sockets: changes reach everyone; refused ones reach no one."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.http.test_chart import levels, steps
from tests.support import BoardSocket, Person


def test_a_level_renamed_by_the_facilitator_appears_live_for_a_participant(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna")
    level_id = levels(facilitator.board(ws.slug))[2][0]
    with anna.socket(ws.slug) as sock_anna, facilitator.socket(ws.slug) as sock_fac:
        sock_anna.drain()
        sock_fac.drain()
        r = facilitator.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Digitale hulp", "roles": "Digicoach Anja"})
        assert r.status_code == 200
        for sock in (sock_anna, sock_fac):
            msg = sock.recv_until(lambda m: 'id="chart-root"' in m)
            root = BeautifulSoup(msg, "html.parser").select_one("#chart-root")
            assert root["hx-swap-oob"] == "true"
            assert levels(root)[2][1:] == ("Digitale hulp", "Digicoach Anja")
            assert 'id="board-seq"' in msg


def test_a_participants_edit_is_refused_and_reaches_no_one(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    level_id = levels(facilitator.board(ws.slug))[2][0]
    with bram.socket(ws.slug) as sock_bram, facilitator.socket(ws.slug) as sock_fac:
        sock_bram.drain()
        sock_fac.drain()
        r = anna.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Gekaapt", "roles": ""}, headers={"HX-Target": "struct-error"})
        assert r.status_code == 403 and "Alleen de facilitator" in r.text
        for sock in (sock_bram, sock_fac):
            assert not any("Gekaapt" in m or 'id="chart-root"' in m for m in sock.drain(quiet=0.5))
        # The sockets are alive: the facilitator opens the chart to everyone, which does arrive.
        facilitator.post(f"/w/{ws.slug}/chart/editing", {"mode": "everyone"})
        sock_bram.recv_until(lambda m: 'data-editing="everyone"' in m)
        r = anna.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Digicoaches", "roles": ""})
        assert r.status_code == 200
        for sock in (sock_bram, sock_fac):
            sock.recv_until(lambda m: 'id="chart-root"' in m and "Digicoaches" in m)


def test_links_and_the_walk_reach_every_socket(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna")
    phases, lanes = anna.cell_ids(ws.slug)
    anna.add_card(ws.slug, phases[0], lanes[0], "Cliënt vraagt hulp")
    soup = anna.board(ws.slug)
    card_id, ids = int(soup.select_one("article.card")["data-card-id"]), steps(soup)
    with facilitator.socket(ws.slug) as sock:
        # The whole board its hello asked for (the card, without a chip) first: on a busy machine it
        # can come later than a quiet spell of drain().
        sock.recv_until(lambda m: 'id="board-root"' in m)
        sock.drain()
        anna.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": ids["Ik heb een vraag."], "linked": "1"})
        msg = sock.recv_until(lambda m: f'id="card-{card_id}"' in m)
        frag = BeautifulSoup(msg, "html.parser")
        assert frag.select_one(f"#card-{card_id} .step-chip")["data-step-id"] == str(ids["Ik heb een vraag."])
        assert frag.select_one(f"#flow-count-{ids['Ik heb een vraag.']}")["data-count"] == "1"
        assert frag.select_one("#chart-root") is None  # a link does not redraw the chart under anyone's finger

        facilitator.post(f"/w/{ws.slug}/chart/walk/start", {"step_id": ids["Ik heb een vraag."]})
        sock.recv_until(lambda m: f'data-walk="{ids["Ik heb een vraag."]}"' in m)


def test_catch_up_brings_the_chart_too(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna")
    level_id = levels(facilitator.board(ws.slug))[0][0]
    facilitator.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Bewoner", "roles": ""})
    s = BoardSocket(anna, ws.slug, hello=False)
    s.send({"type": "hello", "seq": 0})
    msg = s.recv_until(lambda m: 'id="board-root"' in m)
    assert 'id="chart-root"' in msg and "Bewoner" in msg
    s.close()
