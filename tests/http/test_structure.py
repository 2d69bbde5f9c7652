"""Phases and lanes: rename, add, remove, reorder, split; facilitator only."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.support import Person, card_texts


def lane_names(soup):
    return [th.select_one(".lane-name").get_text() for th in soup.select("th[scope=row]")]


def phase_names(soup):
    return [th.select_one(".phase-name").get_text() for th in soup.select("th[scope=col]")]


def test_rename_phase_with_trigger_and_completion(facilitator: Person):
    ws = facilitator.create_workshop()
    phases, _ = facilitator.cell_ids(ws.slug)
    form = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/phases/{phases[0]}/edit", headers={"HX-Request": "true"}).text, "html.parser")
    assert form.select_one("input[name=name]")["value"] == "Fase 1"
    r = facilitator.post(f"/w/{ws.slug}/phases/{phases[0]}", {"name": "Hulp vragen", "trigger": "App doet het niet", "completion": "Vraag gesteld"})
    assert r.status_code == 200 and "zl:dialog-done" in r.headers["hx-trigger"]
    assert BeautifulSoup(r.text, "html.parser").select_one("#board-root")["hx-swap-oob"] == "true"
    soup = facilitator.board(ws.slug)
    assert phase_names(soup)[0] == "Hulp vragen"
    head = soup.select_one(f"#phase-{phases[0]}").get_text()
    assert "Aanleiding: App doet het niet" in " ".join(head.split())
    assert "Afronding: Vraag gesteld" in " ".join(head.split())


def test_add_reorder_and_remove_phases(facilitator: Person):
    ws = facilitator.create_workshop()
    phases, _ = facilitator.cell_ids(ws.slug)
    assert facilitator.post(f"/w/{ws.slug}/phases").status_code == 200
    assert phase_names(facilitator.board(ws.slug))[-1] == "Fase 8"
    facilitator.post(f"/w/{ws.slug}/phases/{phases[0]}/move", {"step": "1"})
    assert phase_names(facilitator.board(ws.slug))[:2] == ["Fase 2", "Fase 1"]
    facilitator.post(f"/w/{ws.slug}/phases/{phases[0]}/move", {"step": "-1"})
    assert phase_names(facilitator.board(ws.slug))[:2] == ["Fase 1", "Fase 2"]
    assert facilitator.post(f"/w/{ws.slug}/phases/{phases[6]}/delete").status_code == 200
    assert "Fase 7" not in phase_names(facilitator.board(ws.slug))


def test_a_phase_with_cards_is_not_deleted(facilitator: Person):
    ws = facilitator.create_workshop()
    phases, lanes = facilitator.cell_ids(ws.slug)
    facilitator.add_card(ws.slug, phases[1], lanes[1], "blijft staan")
    r = facilitator.post(f"/w/{ws.slug}/phases/{phases[1]}/delete", headers={"HX-Target": "struct-error"})
    assert r.status_code == 422 and "Er staan nog kaarten in deze fase" in r.text
    assert card_texts(facilitator.board(ws.slug)) == ["blijft staan"]


def test_lanes_rename_split_reorder_across_the_line_and_remove(facilitator: Person):
    ws = facilitator.create_workshop()
    _, lanes = facilitator.cell_ids(ws.slug)
    touch = lanes[1]
    facilitator.post(f"/w/{ws.slug}/lanes/{touch}/split", {"name": "Touchpoints: telefoon"})
    soup = facilitator.board(ws.slug)
    assert lane_names(soup)[:3] == ["Stappen voor de klant", "Touchpoints met de klant", "Touchpoints: telefoon"]
    assert len(soup.select("tbody.group-visible th[scope=row]")) == 3
    new_lane = int(soup.select("th[scope=row]")[2]["data-lane-id"])
    # Down across the line of visibility: it becomes the first backstage row.
    facilitator.post(f"/w/{ws.slug}/lanes/{new_lane}/move", {"step": "1"})
    soup = facilitator.board(ws.slug)
    assert soup.select("tbody.group-backstage th[scope=row] .lane-name")[0].get_text() == "Touchpoints: telefoon"
    facilitator.post(f"/w/{ws.slug}/lanes/{new_lane}", {"name": "Telefoon", "question": "Wie neemt op?"})
    soup = facilitator.board(ws.slug)
    assert "Wie neemt op?" in soup.select_one(f"#lane-{new_lane}").get_text()
    facilitator.post(f"/w/{ws.slug}/lanes", {"group": "visible", "name": "Communicatie"})
    assert lane_names(facilitator.board(ws.slug))[2] == "Communicatie"
    assert facilitator.post(f"/w/{ws.slug}/lanes/{new_lane}/delete").status_code == 200
    assert "Telefoon" not in lane_names(facilitator.board(ws.slug))


def test_structure_is_for_the_facilitator_only(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    phases, lanes = facilitator.cell_ids(ws.slug)
    anna = make_person()
    anna.join(ws, "Anna")
    attempts = [
        (f"/w/{ws.slug}/phases", {}),
        (f"/w/{ws.slug}/phases/{phases[0]}", {"name": "gekaapt"}),
        (f"/w/{ws.slug}/phases/{phases[0]}/move", {"step": "1"}),
        (f"/w/{ws.slug}/phases/{phases[6]}/delete", {}),
        (f"/w/{ws.slug}/lanes", {"group": "visible", "name": "x"}),
        (f"/w/{ws.slug}/lanes/{lanes[0]}", {"name": "gekaapt"}),
        (f"/w/{ws.slug}/lanes/{lanes[0]}/move", {"step": "1"}),
        (f"/w/{ws.slug}/lanes/{lanes[0]}/split", {"name": "x"}),
        (f"/w/{ws.slug}/lanes/{lanes[4]}/delete", {}),
    ]
    for path, data in attempts:
        r = anna.post(path, data)
        assert r.status_code == 403, path
        assert "Alleen de facilitator" in r.text
    assert anna.get(f"/w/{ws.slug}/phases/{phases[0]}/edit").status_code == 403
    soup = facilitator.board(ws.slug)
    assert phase_names(soup) == [f"Fase {i}" for i in range(1, 8)]
    assert len(lane_names(soup)) == 5


def test_structure_of_another_workshop_is_out_of_reach(facilitator: Person, make_person):
    ws_a = facilitator.create_workshop("A")
    other = make_person()
    ws_b = other.create_workshop("B")
    phases_b, lanes_b = other.cell_ids(ws_b.slug)
    assert facilitator.post(f"/w/{ws_a.slug}/phases/{phases_b[0]}", {"name": "x"}).status_code == 404
    assert facilitator.post(f"/w/{ws_a.slug}/lanes/{lanes_b[0]}/delete").status_code == 404
    assert facilitator.post(f"/w/{ws_b.slug}/phases/{phases_b[0]}", {"name": "x"}).status_code == 403
    assert phase_names(other.board(ws_b.slug))[0] == "Fase 1"
