"""The praatplaat over HTTP, as htmx sends it: adapting it, who may, links to cards, the walk."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.support import Person


def levels(soup) -> list[tuple[int, str, str]]:
    """(id, name, roles) of each level, in order, from the flow view."""
    out = []
    for li in soup.select("#chart-root .flow-level"):
        roles = li.select_one(".level-roles")
        out.append((int(li["id"].split("-")[-1]), li["data-name"], roles.get_text() if roles else ""))
    return out


def steps(soup) -> dict[str, int]:
    return {li["data-text"]: int(li["data-step-id"]) for li in soup.select("#chart-root .flow-step")}


def setup(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna", "digicoach")
    return ws, anna


def test_the_board_page_holds_both_views_of_the_default_chart(facilitator: Person):
    ws = facilitator.create_workshop()
    soup = facilitator.board(ws.slug)
    assert [name for _, name, _ in levels(soup)] == [
        "Cliënt", "Medewerker zorg en ondersteuning", "Applicatieondersteuner", "Contactpersoon leverancier"]
    assert levels(soup)[2][2] == "Digicoach, Superuser"
    # The drawing: a box per step and a path per arrow, laid out on the server, no inline styles.
    svg = soup.select_one("#chart-root svg.chart-drawing")
    assert len(svg.select("foreignObject .step-box")) == 15
    assert len(svg.select("path.arrow")) == 20
    assert "Technisch probleem" in svg.select_one(".arrow-labels").get_text()
    assert soup.select("[style]") == []
    # The flow: each arrow as text, "→ next step".
    worker = soup.select_one("#flow-step-%d" % steps(soup)["Medewerker zorg en ondersteuning helpt cliënt."])
    arrows = [" ".join(li.get_text().split()) for li in worker.select(".flow-arrows li")]
    assert "Technisch probleem → Serviceverzoek indienen (Applicatieondersteuner)" in arrows
    assert soup.select_one("#chart-root")["data-editing"] == "facilitator"


def test_the_facilitator_renames_a_level_and_its_roles(facilitator: Person):
    ws = facilitator.create_workshop()
    level_id = levels(facilitator.board(ws.slug))[2][0]
    form = BeautifulSoup(facilitator.get(f"/w/{ws.slug}/chart/levels/{level_id}/edit", headers={"HX-Request": "true"}).text, "html.parser")
    assert form.select_one("input[name=name]")["value"] == "Applicatieondersteuner"
    assert form.select_one("textarea[name=roles]").get_text() == "Digicoach\nSuperuser"
    r = facilitator.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Digitale hulp", "roles": "Digicoach Anja\nSuperuser"})
    assert r.status_code == 200 and "zl:dialog-done" in r.headers["hx-trigger"]
    answer = BeautifulSoup(r.text, "html.parser")
    assert answer.select_one("#chart-root")["hx-swap-oob"] == "true"
    assert "Digitale hulp" in answer.select_one("#chart-root").get_text()
    assert levels(facilitator.board(ws.slug))[2][1:] == ("Digitale hulp", "Digicoach Anja, Superuser")


def test_a_participant_is_refused_while_the_setting_says_facilitator_only(facilitator: Person, make_person):
    ws, anna = setup(facilitator, make_person)
    soup = facilitator.board(ws.slug)
    level_id, step_ids = levels(soup)[2][0], steps(soup)
    step_id = step_ids["Serviceverzoek indienen"]
    before = soup.select_one("#chart-root").decode()
    attempts = [
        (f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "gekaapt", "roles": ""}),
        (f"/w/{ws.slug}/chart/levels", {"name": "gekaapt"}),
        (f"/w/{ws.slug}/chart/steps", {"level_id": level_id, "text": "gekaapt"}),
        (f"/w/{ws.slug}/chart/steps/{step_id}", {"text": "gekaapt", "kind": "step", "level_id": level_id}),
        (f"/w/{ws.slug}/chart/steps/{step_id}/delete", {}),
        (f"/w/{ws.slug}/chart/arrows", {"source_id": step_id, "target_id": step_ids["Ik heb een vraag."]}),
        (f"/w/{ws.slug}/chart/editing", {"mode": "everyone"}),
        (f"/w/{ws.slug}/chart/walk/start", {"step_id": step_id}),
    ]
    for path, data in attempts:
        r = anna.post(path, data, headers={"HX-Target": "struct-error"})
        assert r.status_code == 403, path
        assert "Alleen de facilitator" in r.text
    for path in (f"/w/{ws.slug}/chart/levels/{level_id}/edit", f"/w/{ws.slug}/chart/steps/{step_id}/edit"):
        assert anna.get(path, headers={"HX-Request": "true"}).status_code == 403
    assert facilitator.board(ws.slug).select_one("#chart-root").decode() == before  # arrows and all

    # The facilitator lets everyone edit: now Anna may; and back again.
    r = facilitator.post(f"/w/{ws.slug}/chart/editing", {"mode": "everyone"})
    assert r.status_code == 200
    assert BeautifulSoup(r.text, "html.parser").select_one("#chart-root")["data-editing"] == "everyone"
    r = anna.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Digicoaches", "roles": "Anja"})
    assert r.status_code == 200
    assert levels(anna.board(ws.slug))[2][1] == "Digicoaches"
    facilitator.post(f"/w/{ws.slug}/chart/editing", {"mode": "facilitator"})
    assert anna.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "weer gekaapt", "roles": ""}).status_code == 403
    assert levels(facilitator.board(ws.slug))[2][1] == "Digicoaches"


def test_steps_and_arrows_are_added_edited_and_removed(facilitator: Person):
    ws = facilitator.create_workshop()
    soup = facilitator.board(ws.slug)
    level_id, ids = levels(soup)[2][0], steps(soup)
    form = facilitator.get(f"/w/{ws.slug}/chart/levels/{level_id}/new-step", headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'name="after"' in form.text
    r = facilitator.post(f"/w/{ws.slug}/chart/steps", {"level_id": level_id, "text": "Zoekt in de kennisbank", "kind": "step",
                                                       "after": ids["Applicatieondersteuner helpt medewerker zorg en ondersteuning."]})
    assert r.status_code == 200
    ids = steps(facilitator.board(ws.slug))
    new = ids["Zoekt in de kennisbank"]
    # An arrow out of the new step, with a label; the answer also refreshes the dialog's list of arrows.
    r = facilitator.post(f"/w/{ws.slug}/chart/arrows", {"source_id": new, "target_id": ids["Terugkoppeling over oplossing."], "label": "Gevonden"},
                         headers={"HX-Target": "arrows-error"})
    assert r.status_code == 200
    answer = BeautifulSoup(r.text, "html.parser")
    assert answer.select_one("#step-arrows")["hx-swap-oob"] == "true"
    arrow_id = int(answer.select_one("#step-arrows form.arrow-row")["hx-post"].rsplit("/", 1)[1])
    soup = facilitator.board(ws.slug)
    flow = " ".join(soup.select_one(f"#flow-step-{new}").get_text().split())
    assert "Gevonden → Terugkoppeling over oplossing." in flow
    r = facilitator.post(f"/w/{ws.slug}/chart/arrows/{arrow_id}", {"label": "Antwoord gevonden", "target_id": ids["Oplossen probleem"]})
    assert r.status_code == 200
    flow = " ".join(facilitator.board(ws.slug).select_one(f"#flow-step-{new}").get_text().split())
    assert "Antwoord gevonden → Oplossen probleem" in flow
    # Rename the step and move it to another level.
    supplier = levels(soup)[3][0]
    r = facilitator.post(f"/w/{ws.slug}/chart/steps/{new}", {"text": "Zoekt het uit", "kind": "step", "level_id": supplier})
    assert r.status_code == 200
    soup = facilitator.board(ws.slug)
    assert soup.select_one(f"#flow-step-{new}")["data-level"] == "Contactpersoon leverancier"
    assert facilitator.post(f"/w/{ws.slug}/chart/arrows/{arrow_id}/delete").status_code == 200
    assert facilitator.post(f"/w/{ws.slug}/chart/steps/{new}/delete").status_code == 200
    assert "Zoekt het uit" not in steps(facilitator.board(ws.slug))
    # Add and remove a level.
    assert facilitator.post(f"/w/{ws.slug}/chart/levels", {"name": "Leverancier 2e lijn"}).status_code == 200
    extra = levels(facilitator.board(ws.slug))[-1]
    assert extra[1] == "Leverancier 2e lijn"
    assert facilitator.post(f"/w/{ws.slug}/chart/levels/{extra[0]}/delete").status_code == 200
    assert len(levels(facilitator.board(ws.slug))) == 4


def test_bad_input_gets_a_message_in_the_users_language(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    soup = facilitator.board(ws.slug)
    level_id, ids = levels(soup)[0][0], steps(soup)
    step = ids["Ik heb een vraag."]
    cases = [
        (f"/w/{ws.slug}/chart/steps/{step}", {"text": "  ", "kind": "step", "level_id": level_id}, 422, "Vul een tekst in"),
        (f"/w/{ws.slug}/chart/steps/{step}", {"text": "x" * 201, "kind": "step", "level_id": level_id}, 422, "hoogstens 200 tekens"),
        (f"/w/{ws.slug}/chart/arrows", {"source_id": step, "target_id": step}, 422, "andere stap"),
        (f"/w/{ws.slug}/chart/arrows", {"source_id": step, "target_id": ids["Medewerker zorg en ondersteuning helpt cliënt."]}, 422, "al een pijl"),
        (f"/w/{ws.slug}/chart/levels/{level_id}/delete", {}, 422, "nog stappen"),
        (f"/w/{ws.slug}/chart/steps/999999", {"text": "x"}, 404, "niet meer"),
        (f"/w/{ws.slug}/chart/arrows", {"source_id": "abc", "target_id": step}, 400, "niet te lezen"),
        (f"/w/{ws.slug}/chart/editing", {"mode": "iedereen"}, 422, "Kies wie"),
    ]
    for path, data, status, text in cases:
        r = facilitator.post(path, data, headers={"HX-Target": "struct-error"})
        assert (r.status_code, text in r.text) == (status, True), (path, r.status_code, r.text)
    english = make_person("en")
    english.join(ws, "Eve")
    r = english.post(f"/w/{ws.slug}/chart/steps/{step}", {"text": "x"})
    assert r.status_code == 403 and "Only the facilitator can change the chart now." in r.text


def test_another_workshops_chart_is_out_of_reach(facilitator: Person, make_person):
    ws_a = facilitator.create_workshop("A")
    other = make_person()
    ws_b = other.create_workshop("B")
    level_b, step_b = levels(other.board(ws_b.slug))[0][0], steps(other.board(ws_b.slug))["Ik heb een vraag."]
    assert facilitator.post(f"/w/{ws_a.slug}/chart/levels/{level_b}", {"name": "x"}).status_code == 404
    assert facilitator.post(f"/w/{ws_a.slug}/chart/steps/{step_b}/delete").status_code == 404
    assert facilitator.post(f"/w/{ws_b.slug}/chart/levels/{level_b}", {"name": "x"}).status_code == 403
    assert levels(other.board(ws_b.slug))[0][1] == "Cliënt"


def test_linking_a_card_shows_a_chip_and_counts_and_unlinking_removes_them(facilitator: Person, make_person):
    ws, anna = setup(facilitator, make_person)
    phases, lanes = anna.cell_ids(ws.slug)
    anna.add_card(ws.slug, phases[1], lanes[2], "Digicoach weet het niet")
    soup = anna.board(ws.slug)
    card_id = int(soup.select_one("article.card")["data-card-id"])
    step = steps(soup)["Serviceverzoek indienen"]
    r = anna.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": step, "linked": "1"}, headers={"HX-Target": "card-error"})
    assert r.status_code == 200
    answer = BeautifulSoup(r.text, "html.parser")
    chip = answer.select_one(f"#card-{card_id} .step-chip")
    assert chip["data-step-id"] == str(step)
    assert " ".join(chip.get_text().split()) == "Applicatieondersteuner Serviceverzoek indienen"
    assert answer.select_one(f"#chart-count-{step}").get_text(strip=True).endswith("1 kaart")
    assert answer.select_one(f"#flow-count-{step}")["hx-swap-oob"] == "true"
    soup = facilitator.board(ws.slug)
    assert soup.select_one(f"#card-{card_id} .step-chip")["data-step-id"] == str(step)
    assert soup.select_one(f"#chart-count-{step}")["data-count"] == "1"
    # A second link, then both undone.
    other = steps(soup)["Oplossen probleem"]
    facilitator.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": other, "linked": "1"})
    assert len(facilitator.board(ws.slug).select(f"#card-{card_id} .step-chip")) == 2
    for s in (step, other):
        assert anna.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": s, "linked": "0"}).status_code == 200
    soup = facilitator.board(ws.slug)
    assert soup.select(f"#card-{card_id} .step-chip") == []
    assert soup.select_one(f"#chart-count-{step}")["data-count"] == "0"


def test_renaming_or_deleting_a_step_updates_the_chips_and_deleting_a_card_the_counts(facilitator: Person, make_person):
    ws, anna = setup(facilitator, make_person)
    phases, lanes = anna.cell_ids(ws.slug)
    anna.add_card(ws.slug, phases[0], lanes[0], "Cliënt belt")
    soup = anna.board(ws.slug)
    card_id = int(soup.select_one("article.card")["data-card-id"])
    level_id, step = levels(soup)[0][0], steps(soup)["Ik heb een vraag."]
    anna.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": step, "linked": "1"})
    r = facilitator.post(f"/w/{ws.slug}/chart/steps/{step}", {"text": "Ik wil iets weten", "kind": "start", "level_id": level_id})
    assert "Ik wil iets weten" in BeautifulSoup(r.text, "html.parser").select_one(f"#card-{card_id} .step-chip").get_text()
    r = facilitator.post(f"/w/{ws.slug}/chart/levels/{level_id}", {"name": "Bewoner", "roles": ""})
    assert "Bewoner" in BeautifulSoup(r.text, "html.parser").select_one(f"#card-{card_id} .step-chip").get_text()
    r = facilitator.post(f"/w/{ws.slug}/chart/steps/{step}/delete")
    answer = BeautifulSoup(r.text, "html.parser")
    assert answer.select_one(f"#card-{card_id}") is not None and answer.select(f"#card-{card_id} .step-chip") == []

    other = steps(anna.board(ws.slug))["Oplossen probleem"]
    anna.post(f"/w/{ws.slug}/cards/{card_id}/steps", {"step_id": other, "linked": "1"})
    r = anna.post(f"/w/{ws.slug}/cards/{card_id}/delete")
    assert BeautifulSoup(r.text, "html.parser").select_one(f"#chart-count-{other}")["data-count"] == "0"


def test_a_card_straight_from_a_step(facilitator: Person, make_person):
    ws, anna = setup(facilitator, make_person)
    phases, lanes = anna.cell_ids(ws.slug)
    step = steps(anna.board(ws.slug))["Ontvangst serviceverzoek"]
    r = anna.post(f"/w/{ws.slug}/chart/steps/{step}/cards", {"phase_id": phases[3], "lane_id": lanes[4], "text": "Portaal leverancier"},
                  headers={"HX-Target": "card-error"})
    assert r.status_code == 200 and "zl:card-saved" in r.headers["hx-trigger"]
    answer = BeautifulSoup(r.text, "html.parser")
    cell = answer.select_one(f"#cards-{phases[3]}-{lanes[4]}")
    assert "Portaal leverancier" in cell.get_text() and cell.select_one(".step-chip")["data-step-id"] == str(step)
    assert answer.select_one(f"#chart-count-{step}")["data-count"] == "1"
    # Bad input: nothing is written, not even half.
    r = anna.post(f"/w/{ws.slug}/chart/steps/{step}/cards", {"phase_id": phases[3], "lane_id": lanes[4], "text": ""}, headers={"HX-Target": "card-error"})
    assert r.status_code == 422
    assert facilitator.board(ws.slug).select_one(f"#chart-count-{step}")["data-count"] == "1"


def test_the_facilitator_walks_a_case(facilitator: Person, make_person):
    ws, anna = setup(facilitator, make_person)
    ids = steps(facilitator.board(ws.slug))
    r = facilitator.post(f"/w/{ws.slug}/chart/walk/start", {"step_id": ids["Ik heb een vraag."]})
    assert r.status_code == 200
    root = BeautifulSoup(r.text, "html.parser").select_one("#chart-root")
    assert root["data-walk"] == str(ids["Ik heb een vraag."])
    assert "Ik heb een vraag." in root.select_one(".walk-here").get_text()
    facilitator.post(f"/w/{ws.slug}/chart/walk/next", {"step_id": ids["Medewerker zorg en ondersteuning helpt cliënt."]})
    r = facilitator.post(f"/w/{ws.slug}/chart/walk/next", {"step_id": ids["Ontvangst serviceverzoek"]}, headers={"HX-Target": "toast"})
    assert r.status_code == 422 and "geen pijl" in r.text
    r = facilitator.post(f"/w/{ws.slug}/chart/walk/next", {"step_id": ids["Serviceverzoek indienen"]})
    soup = anna.board(ws.slug)
    trail = [li.get_text(strip=True) for li in soup.select(".walk-trail li")]
    assert trail == ["Ik heb een vraag.", "Medewerker zorg en ondersteuning helpt cliënt.", "Serviceverzoek indienen"]
    assert soup.select_one(f"#chart-step-{ids['Serviceverzoek indienen']}")["class"].count("is-current") == 1
    assert len(soup.select("path.arrow.on-walk")) == 2
    # Participants follow, they do not lead.
    assert anna.post(f"/w/{ws.slug}/chart/walk/back").status_code == 403
    facilitator.post(f"/w/{ws.slug}/chart/walk/back")
    assert len(facilitator.board(ws.slug).select(".walk-trail li")) == 2
    facilitator.post(f"/w/{ws.slug}/chart/walk/stop")
    assert facilitator.board(ws.slug).select_one("#chart-root")["data-walk"] == ""
