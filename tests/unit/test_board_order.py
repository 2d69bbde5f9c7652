"""Changes are ordered per board: two boards written at once never wait on each other's loads,
and one board's concurrent changes keep their order, each answered with the state its number names.

`board_change` is driven straight (a request stands in for the app's state), on SQLite and, in the
PostgreSQL run, on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest

from app.board import fragments, service
from app.live.change import board_change
from app.models import Participant, Workshop
from app.votes import service as votes
from app.workshops.service import create_workshop

pytestmark = pytest.mark.backend


class Doorbells:
    """What `board_change` tells the hub: (board, number before, number after), in call order."""

    def __init__(self) -> None:
        self.changes: list[tuple[int, int, int]] = []

    def changed_here(self, workshop_id: int, before: int, seq: int, renders) -> None:
        self.changes.append((workshop_id, before, seq))

    def ring(self, workshop_id: int, seq: int | None = None) -> None:
        pass


def _request(db) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(hub=Doorbells(), db=db)))


async def _board(db, settings, title: str) -> tuple[int, int, int, int]:
    """A new board: (workshop id, facilitator id, first phase id, first lane id)."""
    async with db.session() as s, db.writing(s):
        ws, fac = await create_workshop(s, settings, title, "nl", "Fenna")
        await s.commit()
        board = await service.load_board(s, ws)
        return ws.id, fac.id, board.phases[0].id, board.lanes[0].id


async def _add(request, db, settings, workshop_id: int, member_id: int, phase: int, lane: int, text: str,
               also=None) -> tuple[int, str]:
    """One card added through `board_change`, as `Cards.add` does; `also`: one more loader.
    Returns the number the change got and its answer."""
    async with db.session() as s:
        workshop = await s.get(Workshop, workshop_id)
        member = await s.get(Participant, member_id)
        async with board_change(request, s, workshop) as change:
            card = await service.add_card(s, settings, workshop, member, phase, lane, text)
            change.add(fragments.cell(workshop, card.phase_id, card.lane_id))
            if also is not None:
                change.add(also)
        return workshop.seq, change.render()


def _cards_in(answer: str) -> list[str]:
    return re.findall(r'<p class="card-text">([^<]*)</p>', answer)


async def test_two_boards_written_at_once_never_wait_on_each_other(db, settings):
    request = _request(db)
    a = await _board(db, settings, "A")
    b = await _board(db, settings, "B")
    loading, go_on = asyncio.Event(), asyncio.Event()

    async def slow(session):  # board A's change, stopped while it loads what it changed
        loading.set()
        await go_on.wait()
        return lambda: ""

    first = asyncio.create_task(_add(request, db, settings, *a, "op A", also=slow))
    await asyncio.wait_for(loading.wait(), 10)
    # Board B is not held up by A's change...
    seq_b, answer_b = await asyncio.wait_for(_add(request, db, settings, *b, "op B"), 10)
    assert _cards_in(answer_b) == ["op B"]
    # ...while A's own next change waits for A's first to finish (its turn, or its row lock).
    second = asyncio.create_task(_add(request, db, settings, *a, "nog een op A"))
    await asyncio.sleep(0.3)
    assert not first.done() and not second.done()
    go_on.set()
    (seq_1, answer_1), (seq_2, answer_2) = await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert seq_2 == seq_1 + 1
    assert _cards_in(answer_1) == ["op A"]  # the state its number names: not the later card
    assert _cards_in(answer_2) == ["op A", "nog een op A"]


async def test_one_boards_concurrent_changes_keep_their_order(db, settings):
    """Twenty cards added at once to one cell: numbers without gaps, the hub told in order, and
    each answer shows exactly the cards up to its own number."""
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Druk")
    async with db.session() as s:
        start = (await s.get(Workshop, workshop_id)).seq
    results = await asyncio.wait_for(asyncio.gather(*(
        _add(request, db, settings, workshop_id, member_id, phase, lane, f"kaart {n}") for n in range(20)
    )), 30)
    seqs = sorted(seq for seq, _ in results)
    assert seqs == list(range(start + 1, start + 21))
    told = [(before, after) for w, before, after in request.app.state.hub.changes if w == workshop_id]
    assert told == [(n - 1, n) for n in seqs]
    by_seq = dict(results)
    order = []  # the cards in the order the board took them
    for seq in seqs:
        shown = _cards_in(by_seq[seq])
        assert shown[:-1] == order, f"change {seq} shows a state other than the one its number names"
        order.append(shown[-1])
    assert sorted(order) == sorted(f"kaart {n}" for n in range(20))


async def test_a_change_shows_the_round_another_request_started_while_it_waited(db, settings):
    """The workshop's latest round comes with its row (no query outside a round): a change that
    read the workshop before someone started a round still renders its cell with voting open."""
    request = _request(db)
    workshop_id, member_id, phase, lane = await _board(db, settings, "Stemmen")
    async with db.session() as s:
        stale = await s.get(Workshop, workshop_id)  # as the guard read it, before the round
        assert stale.latest_round_id is None
        async with db.session() as other, board_change(request, other, await other.get(Workshop, workshop_id)):
            await votes.start_round(other, await other.get(Workshop, workshop_id), await other.get(Participant, member_id), 3)
        member = await s.get(Participant, member_id)
        async with board_change(request, s, stale) as change:
            card = await service.add_card(s, settings, stale, member, phase, lane, "stem op mij")
            change.add(fragments.cell(stale, card.phase_id, card.lane_id))
        assert f'id="vote-{card.id}"' in change.render()
