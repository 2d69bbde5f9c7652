"""The praatplaat's domain, straight on a database session: the default chart, changes, links, the walk."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.board import service as board_service
from app.chart import service
from app.errors import NotFound, UserError
from app.i18n import use_locale
from app.models import ChartLevel, Event
from app.workshops.service import create_workshop, join

# The words of the seed's chart ("Serviceproces bij vragen en technische problemen"), as printed there.
SEED_LEVELS = {
    "Cliënt": [],
    "Medewerker zorg en ondersteuning": ["Begeleider", "Verpleegkundige", "Behandelaar"],
    "Applicatieondersteuner": ["Digicoach", "Superuser"],
    "Contactpersoon leverancier": ["Zorgconsultant", "Klantondersteuner", "Applicatieondersteuner", "Technisch Servicepunt"],
}
SEED_ENTRIES = ["Ik heb een vraag.", "Het lukt niet goed.", "Technologie doet het niet (goed)."]
SEED_PHRASES = [
    # decisions and hand-offs
    "Ik weet hoe te helpen", "Het lijkt geen technisch probleem, maar ik heb hulp nodig", "Technisch probleem",
    "Dit is toch een technisch probleem", "Oplossen lukt niet", "Indienen serviceverzoek", "Serviceverzoek indienen",
    # who helps whom
    "Medewerker zorg en ondersteuning helpt cliënt", "Applicatieondersteuner helpt medewerker zorg en ondersteuning",
    "Leverancier helpt applicatieondersteuner of medewerker zorg en ondersteuning",
    # the supplier's steps and outcomes
    "Ontvangst serviceverzoek", "Analyse probleem / intern oplossen", "Oplossen probleem",
    "Bug oplossen in software/app", "Wijziging aanbrengen in de software/app", "probleem zelf op te lossen",
    "Reparatieafspraak op locatie",
    # the end
    "Terugkoppeling over oplossing",
]
SEED_OUTCOMES = ["bug", "wijziging", "instructie", "reparatieafspraak"]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("“", "").replace("”", "")).strip()


async def new_workshop(session, settings, language="nl"):
    with use_locale(language):
        ws, fac = await create_workshop(session, settings, "Test", language, "Fenna")
    await session.commit()
    return ws, fac


async def test_the_default_chart_holds_every_role_step_and_outcome_of_the_seed(session, settings):
    ws, _ = await new_workshop(session, settings)
    chart = await service.load_chart(session, ws)
    assert {level.name: level.roles for level in chart.levels} == SEED_LEVELS
    assert [level.name for level in chart.levels] == list(SEED_LEVELS)  # 1 to 4, in escalation order
    assert [s.text for s in chart.start_steps] == SEED_ENTRIES
    assert {s.text for s in chart.steps if s.kind == "end"} == {"Terugkoppeling over oplossing."}

    words = norm(" | ".join([s.text for s in chart.steps] + [a.label for a in chart.arrows]))
    missing = [p for p in SEED_PHRASES if norm(p) not in words]
    assert missing == []

    # As data, not a picture: the outcomes are the steps that "Oplossen probleem" leads to,
    # and each of them leads to the feedback.
    by_text = {s.text: s for s in chart.steps}
    solve = by_text["Oplossen probleem"]
    outcomes = [chart.step(a.target_id) for a in chart.arrows_from(solve)]
    assert len(outcomes) == 4
    for word in SEED_OUTCOMES:
        assert any(word in norm(o.text) for o in outcomes), word
    for outcome in outcomes:
        assert [chart.step(a.target_id).text for a in chart.arrows_from(outcome)] == ["Terugkoppeling over oplossing."]
        assert outcome.level.name == "Contactpersoon leverancier"
    # The decisions are the labels of the arrows out of the care worker's help.
    worker = by_text["Medewerker zorg en ondersteuning helpt cliënt."]
    assert {a.label: chart.step(a.target_id).text for a in chart.arrows_from(worker)} == {
        "Ik weet hoe te helpen.": "Terugkoppeling over oplossing.",
        "Het lijkt geen technisch probleem, maar ik heb hulp nodig.": "Applicatieondersteuner helpt medewerker zorg en ondersteuning.",
        "Technisch probleem": "Serviceverzoek indienen",
    }


# The seed's chart as data: each level's steps ("who helps whom" first, as the seed prints it at
# the head of levels 2 to 4), and every hand-off with its decision, where the seed puts it.
SEED_STEPS = {
    "Cliënt": ["Ik heb een vraag.", "Het lukt niet goed.", "Technologie doet het niet (goed).", "Terugkoppeling over oplossing."],
    "Medewerker zorg en ondersteuning": ["Medewerker zorg en ondersteuning helpt cliënt."],
    "Applicatieondersteuner": ["Applicatieondersteuner helpt medewerker zorg en ondersteuning.", "Serviceverzoek indienen"],
    "Contactpersoon leverancier": [
        "Leverancier helpt applicatieondersteuner of medewerker zorg en ondersteuning.", "Ontvangst serviceverzoek",
        "Analyse probleem / intern oplossen", "Oplossen probleem", "Een bug oplossen in software/app.",
        "Een wijziging aanbrengen in de software/app.", "Instructie over hoe het probleem zelf op te lossen.",
        "Reparatieafspraak op locatie."],
}
WORKER, SUPPORT = "Medewerker zorg en ondersteuning helpt cliënt.", "Applicatieondersteuner helpt medewerker zorg en ondersteuning."
SUPPLIER, REQUEST = "Leverancier helpt applicatieondersteuner of medewerker zorg en ondersteuning.", "Serviceverzoek indienen"
FEEDBACK = "Terugkoppeling over oplossing."
SEED_HANDOFFS = {
    ("Ik heb een vraag.", WORKER, ""), ("Het lukt niet goed.", WORKER, ""), ("Technologie doet het niet (goed).", WORKER, ""),
    (WORKER, FEEDBACK, "Ik weet hoe te helpen."),
    (WORKER, SUPPORT, "Het lijkt geen technisch probleem, maar ik heb hulp nodig."),
    (WORKER, REQUEST, "Technisch probleem"),
    (SUPPORT, FEEDBACK, "Ik weet hoe te helpen."),
    (SUPPORT, REQUEST, "Dit is toch een technisch probleem."),
    # application support's hand-off to the supplier: help fails, a service request is submitted
    (REQUEST, SUPPLIER, "Oplossen lukt niet. Indienen serviceverzoek."),
    (SUPPLIER, "Ontvangst serviceverzoek", ""),
    ("Ontvangst serviceverzoek", "Analyse probleem / intern oplossen", ""),
    ("Analyse probleem / intern oplossen", "Oplossen probleem", ""),
    *{("Oplossen probleem", outcome, "") for outcome in SEED_STEPS["Contactpersoon leverancier"][4:]},
    *{(outcome, FEEDBACK, "") for outcome in SEED_STEPS["Contactpersoon leverancier"][4:]},
}


async def test_the_default_chart_is_the_seeds_steps_and_hand_offs(session, settings):
    ws, _ = await new_workshop(session, settings)
    chart = await service.load_chart(session, ws)
    assert {level.name: [s.text for s in sorted((s for s in chart.steps if s.level_id == level.id), key=lambda s: s.position)]
            for level in chart.levels} == SEED_STEPS
    arrows = [(chart.step(a.source_id).text, chart.step(a.target_id).text, a.label) for a in chart.arrows]
    assert len(arrows) == len(set(arrows)) and set(arrows) == SEED_HANDOFFS
    # Each level of help starts with its own "helps" step, the first of its level in the flow.
    for level, first in zip(chart.levels[1:], (WORKER, SUPPORT, SUPPLIER)):
        assert chart.steps_in(level)[0].text == first


async def test_every_step_can_be_reached_from_an_entry_and_reaches_the_feedback(session, settings):
    ws, _ = await new_workshop(session, settings)
    chart = await service.load_chart(session, ws)
    reached = {s.id for s in chart.start_steps}
    frontier = list(reached)
    while frontier:
        step = chart.step(frontier.pop())
        for a in chart.arrows_from(step):
            if a.target_id not in reached:
                reached.add(a.target_id)
                frontier.append(a.target_id)
    assert reached == {s.id for s in chart.steps}
    end = next(s for s in chart.steps if s.kind == "end")
    for step in chart.steps:
        if step.id != end.id:
            assert chart.arrows_from(step), f"dead end: {step.text}"


async def test_the_default_chart_in_english(session, settings):
    ws, _ = await new_workshop(session, settings, "en")
    chart = await service.load_chart(session, ws)
    assert [level.name for level in chart.levels] == ["Client", "Care and support worker", "Application support", "Supplier contact"]
    assert chart.levels[2].roles == ["Digital coach", "Superuser"]
    assert [s.text for s in chart.start_steps] == ["I have a question.", "It is not going well.", "The technology does not work (well)."]
    texts = " ".join([s.text for s in chart.steps] + [a.label for a in chart.arrows])
    assert "Repair appointment on location." in texts and "Technical problem" in texts
    assert not any(word in texts for word in ("probleem", "Cliënt", "leverancier"))


async def test_only_the_setting_lets_participants_edit(session, settings):
    ws, fac = await new_workshop(session, settings)
    anna = await join(session, settings, ws, "Anna", "")
    assert service.can_edit(ws, fac) and not service.can_edit(ws, anna)
    await service.set_editing(session, ws, fac, "everyone")
    assert service.can_edit(ws, anna)
    with pytest.raises(UserError):
        await service.set_editing(session, ws, fac, "anyone")


async def test_changes_are_validated_and_logged_with_sequence_numbers(session, settings):
    ws, fac = await new_workshop(session, settings)
    chart = await service.load_chart(session, ws)
    level = chart.levels[2]
    start = ws.seq
    await service.update_level(session, ws, fac, level.id, "  Digicoaches  ", "Digicoach Anja\nSuperuser, Superuser\n\n")
    assert (level.name, level.roles) == ("Digicoaches", ["Digicoach Anja", "Superuser"])
    step = await service.add_step(session, ws, fac, level.id, "Zoekt in de kennisbank", "step", after=chart.steps[4].id)
    arrow = await service.add_arrow(session, ws, fac, step.id, chart.steps[5].id, "Gevonden")
    await service.update_arrow(session, ws, fac, arrow.id, None, "Niet gevonden")
    await service.delete_arrow(session, ws, fac, arrow.id)
    await service.delete_step(session, ws, fac, step.id)
    await session.commit()
    kinds = list(await session.scalars(select(Event.kind).where(Event.workshop_id == ws.id, Event.seq > start).order_by(Event.seq)))
    assert kinds == ["chart.level.updated", "chart.step.added", "chart.arrow.added", "chart.arrow.updated",
                     "chart.arrow.deleted", "chart.step.deleted"]
    assert ws.seq == start + len(kinds)

    for bad in ("", "   ", "x" * 201):
        with pytest.raises(UserError):
            await service.add_step(session, ws, fac, level.id, bad, "step")
    with pytest.raises(UserError):
        await service.add_arrow(session, ws, fac, chart.steps[0].id, chart.steps[0].id, "")
    first = chart.arrows[0]
    with pytest.raises(UserError, match="al een pijl"):
        await service.add_arrow(session, ws, fac, first.source_id, first.target_id, "")
    with pytest.raises(UserError):
        await service.update_level(session, ws, fac, level.id, "x", "\n".join(f"rol {i}" for i in range(13)))
    with pytest.raises(UserError):
        await service.delete_level(session, ws, fac, level.id)  # it still has steps
    with pytest.raises(UserError):
        await service.get_step(session, ws, "abc")


async def test_another_workshops_chart_is_out_of_reach(session, settings):
    ws_a, fac_a = await new_workshop(session, settings)
    ws_b, _ = await new_workshop(session, settings)
    chart_b = await service.load_chart(session, ws_b)
    with pytest.raises(NotFound):
        await service.update_level(session, ws_a, fac_a, chart_b.levels[0].id, "gekaapt", "")
    with pytest.raises(NotFound):
        await service.add_arrow(session, ws_a, fac_a, (await service.load_chart(session, ws_a)).steps[0].id, chart_b.steps[1].id, "")


async def test_links_counts_and_what_a_deleted_step_takes_along(session, settings):
    ws, fac = await new_workshop(session, settings)
    board = await board_service.load_board(session, ws)
    chart = await service.load_chart(session, ws)
    card = await board_service.add_card(session, settings, ws, fac, board.phases[0].id, board.lanes[0].id, "Belt de leverancier")
    step = chart.steps[6]
    await service.link_card(session, ws, fac, card.id, step.id, True)
    seq = ws.seq
    await service.link_card(session, ws, fac, card.id, step.id, True)  # already linked: nothing happens
    assert ws.seq == seq
    await session.commit()
    assert (await service.load_chart(session, ws)).counts == {step.id: 1}
    await session.refresh(card, ["steps"])
    assert [s.id for s in card.steps] == [step.id]

    assert await service.delete_step(session, ws, fac, step.id) == [card.id]
    await session.commit()
    await session.refresh(card, ["steps"])
    assert card.steps == [] and (await service.load_chart(session, ws)).counts == {}


async def test_a_walk_follows_arrows_only(session, settings):
    ws, fac = await new_workshop(session, settings)
    chart = await service.load_chart(session, ws)
    by_text = {s.text: s for s in chart.steps}
    question, worker = by_text["Ik heb een vraag."], by_text["Medewerker zorg en ondersteuning helpt cliënt."]
    with pytest.raises(UserError):
        await service.walk_next(session, ws, fac, worker.id)  # no case started
    await service.walk_start(session, ws, fac, question.id)
    with pytest.raises(UserError):
        await service.walk_next(session, ws, fac, by_text["Oplossen probleem"].id)  # no arrow leads there
    await service.walk_next(session, ws, fac, worker.id)
    await service.walk_next(session, ws, fac, by_text["Serviceverzoek indienen"].id)
    chart = await service.load_chart(session, ws)
    assert [s.text for s in chart.walk] == ["Ik heb een vraag.", worker.text, "Serviceverzoek indienen"]
    assert len(chart.walk_arrows) == 2
    await service.walk_back(session, ws, fac)
    assert ws.chart_walk == [question.id, worker.id]
    # A step that is deleted cuts the walk off where it was.
    await service.delete_step(session, ws, fac, worker.id)
    assert ws.chart_walk == [question.id]
    await service.walk_stop(session, ws, fac)
    assert ws.chart_walk == []


async def test_the_example_chart_only_goes_into_an_empty_chart(session, settings):
    ws, fac = await new_workshop(session, settings)
    with pytest.raises(UserError):
        await service.insert_default(session, ws, fac)
    chart = await service.load_chart(session, ws)
    for level in chart.levels:
        await session.delete(level)  # steps and arrows go with it (foreign keys cascade)
    await session.commit()
    session.expunge_all()  # the cascade happened in the database, behind the session's back
    ws = await session.get(type(ws), ws.id)
    fac = await session.get(type(fac), fac.id)
    assert (await service.load_chart(session, ws)).steps == []
    await service.insert_default(session, ws, fac)
    await session.commit()
    chart = await service.load_chart(session, ws)
    assert len(chart.levels) == 4 and len(chart.steps) == 15 and len(chart.arrows) == 20
    assert await session.scalar(select(ChartLevel.id).where(ChartLevel.workshop_id == ws.id).limit(1))
