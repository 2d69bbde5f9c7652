"""The board's read model of its cells (app/board/cells.py): a change made here draws its cells
and cards from memory, and what it draws is always what the database holds at its number.

`board_change` is driven straight, as in test_board_order.py, on SQLite and, in the PostgreSQL
run, on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from app.board import cells, fragments, service
from app.db import Database
from app.facilitation import service as facilitation
from app.live.change import board_change
from app.models import Participant, Workshop
from app.tags import service as tags
from app.workshops.service import create_workshop, delete_workshop, join
from tests.unit.test_board_order import _board, _cards_in, _request

pytestmark = pytest.mark.backend


async def _change(request, db, workshop_id: int, member_id: int, write) -> str:
    """One change through `board_change`: `write(session, workshop, member, change)`. Its answer."""
    async with db.session() as s:
        workshop, member = await s.get(Workshop, workshop_id), await s.get(Participant, member_id)
        async with board_change(request, s, workshop) as change:
            await write(s, workshop, member, change)
        return change.render()


async def _fresh(db, workshop_id: int, *descriptors: tuple) -> str:
    """The same fragments loaded from the database alone, with this process's model let go first."""
    async with db.snapshot(workshop_id) as s:
        workshop = await s.get(Workshop, workshop_id)
        cells.forget(s, workshop)
        out = []
        for d in descriptors:
            loader = {"cell": fragments.cell, "card": fragments.card}[d[0]](workshop, *d[1:])
            out.append((await loader(s))())
        cells.forget(s, workshop)  # so that the next change is drawn from what it applies, not from this load
        return "".join(out)


async def _hold(db, workshop_id: int, *where: tuple[int, int]) -> None:
    async with db.snapshot(workshop_id) as s:
        workshop = await s.get(Workshop, workshop_id)
        for cell in where:
            await cells.cell(s, workshop, *cell)


def _drawn(answer: str) -> str:
    """A change's answer without its number's marker and its announcement: the cells and cards."""
    return re.sub(r'<div id="(board-seq|announce)"[^>]*>[^<]*</div>', "", answer)


def _count_cell_loads(monkeypatch) -> list:
    loads: list = []
    real = service.load_cell

    async def counted(*args, **kwargs):
        loads.append(args[2:])
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "load_cell", counted)
    return loads


async def test_cards_added_edited_and_moved_are_drawn_from_memory_as_the_database_has_them(db, settings, monkeypatch):
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Geheugen")
    async with db.session() as s:
        board = await service.load_board(s, await s.get(Workshop, workshop_id))
        other_lane = board.lanes[1].id
    loads = _count_cell_loads(monkeypatch)
    made: list[int] = []

    async def add(text: str, where: tuple[int, int] = (phase, lane)):
        async def write(s, workshop, member, change):
            card = await service.add_card(s, settings, workshop, member, *where, text)
            made.append(card.id)
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id))
        return await _change(request, db, workshop_id, member_id, write)

    first = await add("eerste")
    assert len(loads) == 1  # the first draw of the cell loads it
    second = await add("tweede")
    assert len(loads) == 1, "the second card's cell came from memory"
    assert _cards_in(first) == ["eerste"] and _cards_in(second) == ["eerste", "tweede"]
    assert _drawn(second) == await _fresh(db, workshop_id, ("cell", phase, lane))

    async def edit(s, workshop, member, change):
        card = await service.edit_card(s, settings, workshop, member, made[0], "eerste, herschreven")
        change.add(fragments.card(workshop, card.id))

    edited = await _change(request, db, workshop_id, member_id, edit)
    assert "eerste, herschreven" in edited and 'data-version="2"' in edited
    assert _drawn(edited) == await _fresh(db, workshop_id, ("card", made[0]))

    await add("elders", (phase, other_lane))
    await _hold(db, workshop_id, (phase, lane))  # let go by _fresh: both cells are held from here on
    loads.clear()

    async def move(s, workshop, member, change):
        card, source = await service.move_card(s, workshop, member, made[0], phase, other_lane)
        change.add(fragments.cell(workshop, *source), fragments.cell(workshop, card.phase_id, card.lane_id))

    moved = await _change(request, db, workshop_id, member_id, move)
    assert loads == [], "both cells of a move came from memory"
    assert _drawn(moved) == await _fresh(db, workshop_id, ("cell", phase, lane), ("cell", phase, other_lane))
    assert _cards_in(moved) == ["tweede", "elders", "eerste, herschreven"]


async def test_private_cards_stay_a_count_in_memory_too(db, settings):
    request = _request(db)
    workshop_id, fac_id, phase, lane = await _board(db, settings, "Stil schrijven")
    async with db.session() as s:
        workshop = await s.get(Workshop, workshop_id)
        async with db.writing(s):
            member = await join(s, settings, workshop, "Pien", "")
            await s.commit()
        member_id = member.id

    async def add(s, workshop, member, change):
        card = await service.add_card(s, settings, workshop, member, phase, lane, "openbaar")
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id))

    await _change(request, db, workshop_id, member_id, add)  # the cell is held from here on

    async def private_on(s, workshop, member, change):
        await facilitation.set_private_writing(s, workshop, member, True)

    await _change(request, db, workshop_id, fac_id, private_on)  # not a kind the model applies: let go

    async def add_private(s, workshop, member, change):
        card = await service.add_card(s, settings, workshop, member, phase, lane, "geheim van Pien")
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id))

    await _change(request, db, workshop_id, member_id, add_private)  # loads the cell again, then holds it
    answer = await _change(request, db, workshop_id, member_id, add_private)  # drawn from memory
    assert "geheim van Pien" not in answer
    assert "2 kaarten zijn nog privé" in answer
    assert _drawn(answer) == await _fresh(db, workshop_id, ("cell", phase, lane))


async def test_a_change_of_another_kind_lets_the_model_go(db, settings):
    """A tag is not applied in memory: the next draw of the cell shows it, loaded again."""
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Labels")
    card_ids: list[int] = []

    async def add(s, workshop, member, change):
        card = await service.add_card(s, settings, workshop, member, phase, lane, "met label")
        card_ids.append(card.id)
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id))

    await _change(request, db, workshop_id, member_id, add)

    async def tag(s, workshop, member, change):
        first_tag = (await tags.list_tags(s, workshop.id))[0]
        await tags.set_card_tag(s, workshop, member, card_ids[0], first_tag.id, True)

    await _change(request, db, workshop_id, member_id, tag)
    answer = await _change(request, db, workshop_id, member_id, add)
    assert answer.count('class="card tagged"') == 1
    assert _drawn(answer) == await _fresh(db, workshop_id, ("cell", phase, lane))


async def test_a_change_made_by_another_process_is_never_hidden_by_this_ones_model(db, settings, tmp_path):
    """Two processes on one database (two engines, so two models): what one adds, the other's next
    draw shows, though its model held the cell at an older number."""
    workshop_id, member_id, phase, lane = await _board(db, settings, "Twee processen")
    other = Database(settings)
    try:
        async def add(s, workshop, member, change):
            card = await service.add_card(s, settings, workshop, member, phase, lane, f"via {id(s)}")
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id))

        here = await _change(_request(db), db, workshop_id, member_id, add)
        there = await _change(_request(other), other, workshop_id, member_id, add)
        assert len(_cards_in(here)) == 1 and len(_cards_in(there)) == 2
        again = await _change(_request(db), db, workshop_id, member_id, add)
        assert _cards_in(again)[:2] == _cards_in(there), "this process's model was behind: loaded again"
        assert len(_cards_in(again)) == 3
    finally:
        await other.dispose()


async def test_a_change_that_fails_after_applying_leaves_no_trace_in_the_model(db, settings):
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Mislukt")

    async def add(s, workshop, member, change):
        card = await service.add_card(s, settings, workshop, member, phase, lane, "blijft")
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id))

    await _change(request, db, workshop_id, member_id, add)

    async def broken(session):
        raise RuntimeError("a loader that fails after the model was brought up to date")

    async def add_then_fail(s, workshop, member, change):
        await add(s, workshop, member, change)
        change.add(broken)

    with pytest.raises(RuntimeError):
        await _change(request, db, workshop_id, member_id, add_then_fail)
    async with db.session() as s:
        workshop = await s.get(Workshop, workshop_id)
        assert cells.card(s, workshop, 0) is None
        view = await cells.cell(s, workshop, phase, lane)
    held = [c.text for c in view.cards]
    expected = ["blijft", "blijft"] if db.loads_after_commit else ["blijft"]  # SQLite committed before loading
    assert held == expected


async def test_a_new_board_that_gets_an_erased_boards_ids_shows_nothing_of_it(db, settings):
    """SQLite hands the ids of an erased board's rows to the next board: the model knows a board
    by its slug too, so the new board at the same number draws its own, empty cell."""
    old_id, member_id, phase, lane = await _board(db, settings, "Weg")
    async with db.session() as s, db.writing(s):  # written outside a change: the model is not told
        workshop, member = await s.get(Workshop, old_id), await s.get(Participant, member_id)
        await service.add_card(s, settings, workshop, member, phase, lane, "van het oude bord")
        await s.commit()
    async with db.session() as s:
        old = await s.get(Workshop, old_id)
        assert [c.text for c in (await cells.cell(s, old, phase, lane)).cards] == ["van het oude bord"]
        old_seq = old.seq
    async with db.session() as s, db.writing(s):
        await delete_workshop(s, old_id)
        await s.commit()
    async with db.session() as s, db.writing(s):
        new, fac = await create_workshop(s, settings, "Nieuw", "nl", "Fenna")
        while new.seq < old_seq:
            await facilitation.rename(s, new, fac, f"Nieuw {new.seq}", settings)
        await s.commit()
        board = await service.load_board(s, new)
        ids = (new.id, board.phases[0].id, board.lanes[0].id)
        if db.loads_after_commit:  # SQLite: the very ids of the old board, at its number
            assert ids == (old_id, phase, lane) and new.seq == old_seq
        view = await cells.cell(s, new, *ids[1:])
    assert view.cards == ()


async def test_a_render_made_after_the_next_change_shows_the_state_it_was_drawn_at(db, settings):
    """Renders run late (the answer after the board's turn, other languages in the feed): the
    next change must not alter what an earlier one drew (cells are replaced, never changed)."""
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Later")

    async def add(text: str):
        async with db.session() as s:
            workshop, member = await s.get(Workshop, workshop_id), await s.get(Participant, member_id)
            async with board_change(request, s, workshop) as change:
                card = await service.add_card(s, settings, workshop, member, phase, lane, text)
                change.add(fragments.cell(workshop, card.phase_id, card.lane_id))
            return change

    await add("een")
    second = await add("twee")  # drawn from memory, not rendered yet
    await add("drie")
    assert _cards_in(second.render()) == ["een", "twee"]
