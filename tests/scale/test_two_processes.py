"""Two app processes serve one board: over Redis, and over PostgreSQL LISTEN/NOTIFY alone."""

from __future__ import annotations

import threading

import pytest
from bs4 import BeautifulSoup
from websockets.exceptions import ConnectionClosed

from tests import services
from tests.cluster import cluster
from tests.scale.conftest import answer_seq, positions, presence_names, reached, states, wait_for
from tests.support import Person


def test_changes_through_either_process_reach_both_sockets_in_the_same_order(pair):
    a, b = pair.urls
    fac = Person(a)
    ws = fac.create_workshop("Twee processen")
    anna, bram = Person(a), Person(b)  # Anna's phone reaches process A, Bram's process B
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = fac.cell_ids(ws.slug)
    cell = f"cards-{phases[0]}-{lanes[0]}"
    with anna.socket(ws.slug) as on_a, bram.socket(ws.slug) as on_b:
        on_a.drain()
        on_b.drain()
        added: dict[str, int] = {}  # card text -> the sequence number its change got
        answered: list[tuple[int, list[str]]] = []  # (number, the cell as that change's answer drew it)
        barrier = threading.Barrier(2)
        errors: list[str] = []

        def add(person: Person, who: str) -> None:
            barrier.wait()
            for k in range(8):
                r = person.add_card(ws.slug, phases[0], lanes[0], f"{who}-{k}")
                if r.status_code != 200:
                    errors.append(r.text)
                    return
                added[f"{who}-{k}"] = answer_seq(r)
                answered.extend(states([r.text], cell))

        threads = [threading.Thread(target=add, args=(anna, "A")), threading.Thread(target=add, args=(bram, "B"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        # One numbering for both processes: no gaps, no number twice.
        first = min(added.values())
        assert sorted(added.values()) == list(range(first, first + 16))
        order = sorted(added, key=added.get)
        last = first + 15
        # Each answer is drawn from its process's read model of the board, which the other
        # process's changes left behind: it shows exactly the state its number names.
        assert len(answered) == 16
        for seq, texts in answered:
            assert texts == order[: seq - first + 1], f"the answer of change {seq} drew another state"

        for sock in (on_a, on_b):
            sock.recv_until(reached(last), timeout=15)
            marks = positions(sock.messages)
            assert marks == sorted(set(marks)), "a socket's position only moves forward"
            seen = states(sock.messages, cell)
            assert [s for s, _ in seen] == sorted(s for s, _ in seen), "never an older state after a newer one"
            for seq, texts in seen:
                # Each state this client saw is the one global order, up to that number.
                assert texts == order[: seq - first + 1]
            assert seen[-1][1] == order


def test_edits_moves_and_deletes_through_either_process_reach_both(pair):
    a, b = pair.urls
    fac = Person(a)
    ws = fac.create_workshop("Wijzigen")
    anna, bram = Person(a), Person(b)
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = fac.cell_ids(ws.slug)
    with anna.socket(ws.slug) as on_a, bram.socket(ws.slug) as on_b:
        on_a.drain()
        on_b.drain()
        r = anna.add_card(ws.slug, phases[0], lanes[0], "versie 1")
        card_id = int(r.text.split('data-card-id="')[1].split('"')[0])
        for sock in (on_a, on_b):
            sock.recv_until(lambda m: "versie 1" in m)
        assert bram.post(f"/w/{ws.slug}/cards/{card_id}", {"text": "versie 2"}).status_code == 200
        for sock in (on_a, on_b):
            sock.recv_until(lambda m: f'id="card-{card_id}"' in m and "versie 2" in m)
        assert anna.post(f"/w/{ws.slug}/cards/{card_id}/move", {"phase_id": phases[3], "lane_id": lanes[2]}).status_code == 200
        for sock in (on_a, on_b):
            sock.recv_until(lambda m: f'id="cards-{phases[3]}-{lanes[2]}"' in m and "versie 2" in m)
        assert bram.post(f"/w/{ws.slug}/cards/{card_id}/delete").status_code == 200
        for sock in (on_a, on_b):
            sock.recv_until(lambda m: f'id="cards-{phases[3]}-{lanes[2]}"' in m and f'id="card-{card_id}"' not in m)
        # A structure change (the whole board) by the facilitator on A reaches B as well.
        assert fac.post(f"/w/{ws.slug}/phases/{phases[1]}", {"name": "Melding", "trigger": "", "completion": ""}).status_code == 200
        on_b.recv_until(lambda m: 'id="board-root"' in m and "Melding" in m)
        # Both processes show the same board.
        assert fac.via(b).get(f"/w/{ws.slug}").text.count("<article") == fac.get(f"/w/{ws.slug}").text.count("<article") == 0


def test_presence_counts_everyone_on_both_processes(pair):
    a, b = pair.urls
    fac = Person(a)
    ws = fac.create_workshop("Wie is er")
    anna, bram = Person(b), Person(b)
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    watcher = fac.socket(ws.slug)  # on A
    on_b = anna.socket(ws.slug)  # on B
    watcher.recv_until(lambda m: presence_names(m) == sorted(["Anna", "Facilitator"]), timeout=10)
    also_b = bram.socket(ws.slug)
    watcher.recv_until(lambda m: presence_names(m) == sorted(["Anna", "Bram", "Facilitator"]), timeout=10)
    on_b.recv_until(lambda m: presence_names(m) == sorted(["Anna", "Bram", "Facilitator"]), timeout=10)
    # The page, served by either process, counts the same people.
    assert "Bram" in fac.via(b).board(ws.slug).select_one("#presence").get_text()
    on_b.close()
    watcher.recv_until(lambda m: presence_names(m) == sorted(["Bram", "Facilitator"]), timeout=10)
    also_b.close()
    watcher.recv_until(lambda m: presence_names(m) == ["Facilitator"], timeout=10)
    watcher.close()


def test_a_killed_process_leaves_no_ghosts(tmp_path):
    """kill -9 says goodbye to nobody: its presence rows expire (PRESENCE_TTL) and the others say so."""
    services.need("postgres")
    services.need("redis")
    with cluster(2, broker="redis", data_dir=tmp_path, env={"PRESENCE_TTL": "6"}) as c:
        a, b = c.urls
        fac = Person(a)
        ws = fac.create_workshop("Uitval")
        bram = Person(b)
        bram.join(ws, "Bram")
        watcher = fac.socket(ws.slug)
        bram.socket(ws.slug)
        watcher.recv_until(lambda m: presence_names(m) == ["Bram", "Facilitator"], timeout=10)
        c.servers[1].kill()
        watcher.recv_until(lambda m: presence_names(m) == ["Facilitator"], timeout=60)
        # Process A keeps serving the board.
        phases, lanes = fac.cell_ids(ws.slug)
        assert fac.add_card(ws.slug, phases[0], lanes[0], "we gaan door").status_code == 200
        watcher.recv_until(lambda m: "we gaan door" in m)
        watcher.close()


def test_processes_started_together_migrate_one_fresh_database(tmp_path):
    """Four processes, AUTO_MIGRATE on, one empty database: one migrates, the others wait."""
    services.need("postgres")
    with cluster(4, broker="postgres", data_dir=tmp_path) as c:
        for url in c.urls:
            assert Person(url).create_workshop(f"via {url}") is not None
        wait_for(lambda: all(s.proc.poll() is None for s in c.servers), what="all processes alive")
        assert "Traceback" not in c.logs()


def test_main_features_reach_the_other_process(pair):
    """What main added to the live layer, across processes: an announcement with a card, a chart
    change rebuilt from the event log, a round's vote budget, and who-is-editing kept per process."""
    a, b = pair.urls
    fac = Person(a)
    ws = fac.create_workshop("Praatplaat en stemmen")
    anna, bram = Person(a), Person(b)
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = fac.cell_ids(ws.slug)
    with anna.socket(ws.slug) as on_a, bram.socket(ws.slug) as on_b:
        on_a.drain()
        on_b.drain()
        r = anna.add_card(ws.slug, phases[0], lanes[0], "aangekondigd")
        card_id = int(r.text.split('data-card-id="')[1].split('"')[0])
        on_b.recv_until(lambda m: 'id="announce"' in m and "Anna" in m)
        level = fac.board(ws.slug).select_one("#chart-root .flow-level")["id"].split("-")[-1]
        assert fac.post(f"/w/{ws.slug}/chart/steps", {"level_id": level, "text": "Nieuwe stap op A"}).status_code == 200
        on_b.recv_until(lambda m: 'id="chart-root"' in m and "Nieuwe stap op A" in m)
        assert fac.post(f"/w/{ws.slug}/votes/start", {"votes": "2"}).status_code == 200
        on_b.recv_until(lambda m: 'id="my-votes"' in m and "Je hebt nog 2 stemmen" in m)
        r = bram.post(f"/w/{ws.slug}/cards/{card_id}/vote")
        assert r.status_code == 200 and "Je hebt nog 1 stem." in r.text
        # The voter's own count travels only in the answer: no socket gets it.
        on_a.recv_until(lambda m: f'id="card-{card_id}"' in m)
        assert not any("Je hebt nog 1 stem" in m for m in on_a.messages + on_b.messages)
        # Editing: Anna's process tells its own sockets (per process, documented).
        with fac.socket(ws.slug) as fac_on_a:
            fac_on_a.drain()
            on_a.send({"type": "editing", "card": card_id})
            fac_on_a.recv_until(lambda m: 'id="editing"' in m and str(card_id) in m)


def test_removal_and_deletion_close_sockets_on_the_other_process(pair):
    a, b = pair.urls
    fac = Person(a)
    ws = fac.create_workshop("Weg")
    bram, cees = Person(b), Person(b)
    bram.join(ws, "Bram")
    cees.join(ws, "Cees")
    people = BeautifulSoup(fac.get(f"/w/{ws.slug}/participants").text, "html.parser")
    remove = next(x["hx-post"] for x in people.select("button[hx-post*='/remove']") if "Bram" in x.parent.get_text())
    bram_sock, cees_sock = bram.socket(ws.slug), cees.socket(ws.slug)
    bram_sock.drain()
    cees_sock.drain()
    assert fac.post(remove).status_code == 200  # on process A; Bram's socket is on B
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(20):
            bram_sock.conn.recv(timeout=2)
    assert closed.value.rcvd.code == 4401
    assert fac.post(f"/w/{ws.slug}/delete", {"confirm": "1"}, htmx=False).status_code == 303
    cees_sock.recv_until(lambda m: 'id="workshop-deleted"' in m, timeout=10)
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(20):
            cees_sock.conn.recv(timeout=2)
    assert closed.value.rcvd.code == 4401
