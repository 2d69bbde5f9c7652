"""The workshop file (JSON): export, import, export again gives the same content; bad files are refused
with a clear message in the user's language, and nothing is written."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from app.board import service as board
from app.chart import service as chart_service
from app.errors import UserError
from app.export import workshop_file
from app.i18n import use_locale
from app.models import Card, Participant, Workshop
from app.tags import service as tags
from app.votes import service as votes
from app.workshops.service import create_workshop, join

DATES = ("exported_at", "created_at", "started_at", "ended_at")


def without_dates(value):
    if isinstance(value, dict):
        return {k: without_dates(v) for k, v in value.items() if k not in DATES}
    if isinstance(value, list):
        return [without_dates(v) for v in value]
    return value


async def filled_workshop(session, settings):
    with use_locale("nl"):
        ws, fac = await create_workshop(session, settings, "Hulp vragen bij de zorgapp", "nl", "Fenna")
    anna = await join(session, settings, ws, "Anna", "begeleider")
    joost = await join(session, settings, ws, "Joost", "")
    view = await board.load_board(session, ws)
    p1, p2 = view.phases[0], view.phases[1]
    await board.update_phase(session, ws, fac, p1.id, "Probleem merken", "De app doet het niet", "Hulp gevraagd")
    lane = view.lanes[0]
    backstage = view.lanes[-1]
    c1 = await board.add_card(session, settings, ws, anna, p1.id, lane.id, "Cliënt merkt dat de app niet opent")
    c2 = await board.add_card(session, settings, ws, joost, p1.id, lane.id, "=1+1 en \"quotes\"\nop twee regels")
    c3 = await board.add_card(session, settings, ws, fac, p2.id, backstage.id, "Zorgapp versie 4.2")
    own = await tags.add_tag(session, ws, fac, "Privacy", "P", "navy")
    await tags.set_card_tag(session, ws, anna, c1.id, view.tags[0].id, True)
    await tags.set_card_tag(session, ws, anna, c1.id, own.id, True)
    await tags.set_card_tag(session, ws, anna, c3.id, view.tags[-1].id, True)
    await tags.update_followup(session, ws, fac, c1.id, "Afspraak vastleggen", "Fatima", "resolved")
    await votes.start_round(session, ws, fac, 2)
    await votes.end_round(session, ws, fac)
    await votes.start_round(session, ws, fac, 3)
    for who, card in [(anna, c1), (anna, c1), (joost, c2), (fac, c3)]:
        await votes.vote(session, ws, who, card.id)
    chart = await chart_service.load_chart(session, ws)
    await chart_service.update_level(session, ws, fac, chart.levels[2].id, "Digicoaches", "Fatima, Mirjam")
    await chart_service.link_card(session, ws, anna, c1.id, chart.ordered_steps[0].id, True)
    ws.export_allowed_for_participants = True
    ws.anonymity = "roles"
    await session.commit()
    return ws


async def test_export_import_export_gives_the_same_content(session, settings):
    ws = await filled_workshop(session, settings)
    first = await workshop_file.export_document(session, ws)
    assert first["format"] == "zichtlijn-workshop" and first["version"] == 1
    assert [lv["name"] for lv in first["chart"]["levels"]][2] == "Digicoaches"
    assert first["chart"]["levels"][2]["roles"] == ["Fatima", "Mirjam"]
    assert len(first["chart"]["steps"]) >= 10 and len(first["chart"]["arrows"]) >= 10
    assert first["links"] == [{"card": first["cards"][0]["ref"], "step": first["chart"]["steps"][0]["ref"]}]
    assert first["workshop"]["settings"]["anonymity"] == "roles"
    assert len(first["cards"]) == 3 and len(first["participants"]) == 3 and len(first["vote_rounds"]) == 2
    assert first["vote_rounds"][1]["ended_at"] is None and first["vote_rounds"][1]["votes"][0]["count"] == 2

    copy_ws, importer = await workshop_file.import_workshop(session, settings, workshop_file.dumps(first))
    await session.commit()
    assert copy_ws.id != ws.id and copy_ws.slug != ws.slug and copy_ws.join_token != ws.join_token
    # With authors shown by role, the file names people by their role, not as typed (issue 16).
    assert importer.is_facilitator and importer.name == "facilitator"
    assert "Fenna" not in workshop_file.dumps(first).decode()
    second = await workshop_file.export_document(session, copy_ws)
    assert without_dates(second) == without_dates(first)
    # The copy is a live board: the running round still counts every budget.
    view = await board.load_board(session, copy_ws)
    assert view.voting and sorted(view.votes.values()) == [1, 1, 2]


async def test_importer_becomes_facilitator_when_the_file_has_none(session, settings):
    ws = await filled_workshop(session, settings)
    document = await workshop_file.export_document(session, ws)
    for person in document["participants"]:
        person["facilitator"] = False
    _copy, importer = await workshop_file.import_workshop(session, settings, workshop_file.dumps(document))
    assert importer.is_facilitator and importer.name == "Facilitator"


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


def broken(document: dict, change) -> bytes:
    doc = copy.deepcopy(document)
    change(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(version=7), "nieuwere versie van Zichtlijn (formaatversie 7)"),
    (lambda d: d.update(version="1"), "versie die Zichtlijn niet kan lezen"),
    (lambda d: d.update(format="iets-anders"), "geen workshopbestand van Zichtlijn"),
    (lambda d: d["cards"][0].update(phase="p99"), "Kaart 1: \"phase\" verwijst naar iets dat niet in het bestand staat"),
    (lambda d: d["cards"][1].update(text="x" * 1001), "Kaart 2: Een kaart mag hoogstens 1000 tekens"),
    (lambda d: d["cards"][2].update(text="   "), "Kaart 3: Schrijf eerst iets op de kaart."),
    (lambda d: d["tags"][0].update(colour="#ff0000"), "Label 1: de kleur is niet een van de kleuren"),
    (lambda d: d["lanes"][0].update(group="midden"), "Rij 1: het veld \"group\""),
    (lambda d: d.update(phases=[]), "Fasen: een bord heeft minstens één fase nodig"),
    (lambda d: d["participants"][1].update(name=""), "Deelnemer 2:"),
    (lambda d: d["workshop"].update(title=42), "Workshop: het veld \"title\" moet tekst zijn"),
    (lambda d: d["vote_rounds"][1]["votes"][0].update(count=9), "iemand heeft meer stemmen dan de ronde toestaat"),
    (lambda d: d["vote_rounds"][0].update(ended_at=None), "alleen de laatste stemronde mag nog lopen"),
    (lambda d: d["phases"][1].update(ref="p1"), "de ref \"p1\" komt twee keer voor"),
    (lambda d: d.update(cards={"c1": {}}), "de lijst \"cards\" ontbreekt"),
])
async def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_written(session, settings, change, message):
    ws = await filled_workshop(session, settings)
    document = await workshop_file.export_document(session, ws)
    before = [await count(session, m) for m in (Workshop, Card, Participant)]
    with use_locale("nl"), pytest.raises(UserError) as caught:
        await workshop_file.import_workshop(session, settings, broken(document, change))
    assert message in caught.value.message
    await session.rollback()
    assert [await count(session, m) for m in (Workshop, Card, Participant)] == before


@pytest.mark.parametrize(("raw", "message", "status"), [
    (b"", "Kies een workshopbestand", 422),
    (b"\x89PNG\r\n", "er staat geen geldige JSON in", 422),
    (b"[1, 2]", "geen workshopbestand van Zichtlijn", 422),
    (b'{"format": "zichtlijn-workshop", "version": 1}', "Workshop: dit moet een object met velden zijn.", 422),
])
async def test_files_that_are_not_workshop_files(session, settings, raw, message, status):
    with use_locale("nl"), pytest.raises(UserError) as caught:
        await workshop_file.import_workshop(session, settings, raw)
    assert message in caught.value.message and caught.value.status_code == status


async def test_a_file_over_the_limit_is_refused_before_it_is_read(session, settings):
    from dataclasses import replace

    small = replace(settings, max_import_bytes=1000)
    with use_locale("en"), pytest.raises(UserError) as caught:
        await workshop_file.import_workshop(session, small, b"{" + b" " * 2000 + b"}")
    assert caught.value.status_code == 413
    assert caught.value.message == "This file is too large to import (at most 0.001 MB)."
