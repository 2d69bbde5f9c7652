"""The board domain, straight on a database session."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, select

from app.board import service
from app.errors import NotFound, UserError
from app.i18n import use_locale
from app.models import BACKSTAGE, VISIBLE, Card, Event
from app.workshops.service import create_workshop, join


async def new_board(session, settings, language="nl"):
    with use_locale(language):
        ws, fac = await create_workshop(session, settings, "Test", language, "Fenna")
    await session.commit()
    return ws, fac


async def test_new_workshop_has_the_seed_template(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    assert [p.name for p in board.phases] == [f"Fase {i}" for i in range(1, 8)]
    assert [(lane.group, lane.name) for lane in board.lanes] == [
        (VISIBLE, "Stappen voor de klant"), (VISIBLE, "Touchpoints met de klant"),
        (BACKSTAGE, "Mensen"), (BACKSTAGE, "Processen"), (BACKSTAGE, "Technologie"),
    ]
    assert board.lanes[0].question.startswith("Wat doet de klant bij elke stap")
    assert "aannames, een handmatig oordeel of niet-gedocumenteerde kennis" in board.lanes[3].question
    assert fac.is_facilitator and fac.name == "Fenna"


async def test_english_template(session, settings):
    ws, _ = await new_board(session, settings, "en")
    board = await service.load_board(session, ws)
    assert board.phases[0].name == "Phase 1"
    assert [lane.name for lane in board.lanes] == ["Customer steps", "Customer touchpoints", "People", "Processes", "Technology"]


async def test_every_change_takes_the_next_sequence_number_and_is_logged(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    p, lane = board.phases[0], board.lanes[0]
    card = await service.add_card(session, settings, ws, fac, p.id, lane.id, "een")
    await service.edit_card(session, settings, ws, fac, card.id, "twee")
    await service.move_card(session, ws, fac, card.id, board.phases[1].id, lane.id)
    await service.delete_card(session, ws, fac, card.id)
    await session.commit()
    events = list(await session.scalars(select(Event).where(Event.workshop_id == ws.id).order_by(Event.seq)))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.kind for e in events] == ["card.added", "card.edited", "card.moved", "card.deleted"]
    assert events[1].data["previous"] == "een" and events[3].data["text"] == "twee"
    assert ws.seq == 4


def _naive_utc(value):
    """SQLite gives back the UTC times it stores without their zone; PostgreSQL with it."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


async def test_a_card_written_by_core_statements_is_the_row_the_database_holds(session, settings):
    """add, edit and move write a card with Core statements and set the values into the object:
    the object leaves nothing unloaded (a new column the insert forgets would) and agrees with
    the row as read back."""
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    card = await service.add_card(session, settings, ws, fac, board.phases[0].id, board.lanes[0].id, "een")
    assert not inspect(card).unloaded and not inspect(card).modified
    await service.edit_card(session, settings, ws, fac, card.id, "twee")
    await service.move_card(session, ws, fac, card.id, board.phases[1].id, board.lanes[1].id)
    await session.commit()
    seen = {c.key: _naive_utc(getattr(card, c.key)) for c in inspect(Card).column_attrs}
    row = (await session.execute(select(Card.__table__).where(Card.id == card.id))).one()._asdict()
    assert seen == {k: _naive_utc(v) for k, v in row.items()}
    assert (seen["text"], seen["version"], seen["phase_id"], seen["lane_id"]) == ("twee", 2, board.phases[1].id, board.lanes[1].id)


async def test_unchanged_edit_and_same_cell_move_are_no_events(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    card = await service.add_card(session, settings, ws, fac, board.phases[0].id, board.lanes[0].id, "een")
    await service.edit_card(session, settings, ws, fac, card.id, "  een  ")
    await service.move_card(session, ws, fac, card.id, board.phases[0].id, board.lanes[0].id)
    assert ws.seq == 1


async def test_card_text_is_cleaned_and_validated(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    args = (session, settings, ws, fac, board.phases[0].id, board.lanes[0].id)
    card = await service.add_card(*args, "  regel 1\r\nregel 2\x00\x07  ")
    assert card.text == "regel 1\nregel 2"
    with pytest.raises(UserError, match="Schrijf eerst iets"):
        await service.add_card(*args, " \n ")
    with pytest.raises(UserError, match="hoogstens 1000"):
        await service.add_card(*args, "x" * 1001)
    assert (await service.add_card(*args, "x" * 1000)).text == "x" * 1000


async def test_ids_of_another_workshop_are_not_found(session, settings):
    ws_a, fac_a = await new_board(session, settings)
    ws_b, fac_b = await new_board(session, settings)
    board_b = await service.load_board(session, ws_b)
    with pytest.raises(NotFound):
        await service.add_card(session, settings, ws_a, fac_a, board_b.phases[0].id, board_b.lanes[0].id, "x")
    card_b = await service.add_card(session, settings, ws_b, fac_b, board_b.phases[0].id, board_b.lanes[0].id, "b")
    for call in (
        service.edit_card(session, settings, ws_a, fac_a, card_b.id, "x"),
        service.delete_card(session, ws_a, fac_a, card_b.id),
        service.update_phase(session, ws_a, fac_a, board_b.phases[0].id, "x", "", ""),
        service.delete_lane(session, ws_a, fac_a, board_b.lanes[0].id),
    ):
        with pytest.raises(NotFound):
            await call


async def test_lane_moves_cross_the_line_of_visibility(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    touch = board.lanes[1]
    await service.move_lane(session, ws, fac, touch.id, +1)  # down across the line
    board = await service.load_board(session, ws)
    assert [(lane.name, lane.group) for lane in board.lanes][:3] == [
        ("Stappen voor de klant", VISIBLE), ("Touchpoints met de klant", BACKSTAGE), ("Mensen", BACKSTAGE)]
    await service.move_lane(session, ws, fac, touch.id, +1)
    board = await service.load_board(session, ws)
    assert [lane.name for lane in board.lanes][:3] == ["Stappen voor de klant", "Mensen", "Touchpoints met de klant"]
    await service.move_lane(session, ws, fac, touch.id, -1)
    await service.move_lane(session, ws, fac, touch.id, -1)  # up across the line
    board = await service.load_board(session, ws)
    assert board.lanes[1].name == "Touchpoints met de klant" and board.lanes[1].group == VISIBLE
    first = board.lanes[0]
    seq = ws.seq
    await service.move_lane(session, ws, fac, first.id, -1)  # already at the top: nothing
    assert ws.seq == seq


async def test_split_lane_adds_a_row_right_below_on_the_same_side(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    new = await service.split_lane(session, ws, fac, board.lanes[1].id, "Touchpoints: app")
    board = await service.load_board(session, ws)
    assert [lane.name for lane in board.lanes][1:3] == ["Touchpoints met de klant", "Touchpoints: app"]
    assert new.group == VISIBLE and new.question == board.lanes[1].question


async def test_structure_with_cards_is_not_removed(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    await service.add_card(session, settings, ws, fac, board.phases[2].id, board.lanes[2].id, "hier")
    with pytest.raises(UserError):
        await service.delete_phase(session, ws, fac, board.phases[2].id)
    with pytest.raises(UserError):
        await service.delete_lane(session, ws, fac, board.lanes[2].id)
    await service.delete_phase(session, ws, fac, board.phases[6].id)
    board = await service.load_board(session, ws)
    assert len(board.phases) == 6 and [p.position for p in board.phases] == list(range(6))


async def test_phase_order(session, settings):
    ws, fac = await new_board(session, settings)
    board = await service.load_board(session, ws)
    await service.move_phase(session, ws, fac, board.phases[3].id, -1)
    board = await service.load_board(session, ws)
    assert [p.name for p in board.phases][2:5] == ["Fase 4", "Fase 3", "Fase 5"]
    added = await service.add_phase(session, ws, fac, "")
    assert added.name == "Fase 8"


async def test_joining_closed_is_refused(session, settings):
    ws, _ = await new_board(session, settings)
    ws.joining_open = False
    with pytest.raises(UserError, match="gesloten"):
        await join(session, settings, ws, "Anna", "")
