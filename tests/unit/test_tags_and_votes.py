"""Tags, the heat map, the revisit grouping, follow-ups and the voting budget, on the domain."""

from __future__ import annotations

import pytest

from app.board import service as board
from app.errors import NotFound, UserError
from app.i18n import use_locale
from app.models import Card, Lane, Phase, Tag
from app.tags import service as tags
from app.votes import service as votes
from app.workshops.service import create_workshop, join


async def setup(session, settings, language="nl"):
    with use_locale(language):
        ws, fac = await create_workshop(session, settings, "Test", language, "Fenna")
    anna = await join(session, settings, ws, "Anna", "")
    await session.commit()
    view = await board.load_board(session, ws)
    return ws, fac, anna, view


async def test_a_new_workshop_has_the_seven_tags_of_the_seed(session, settings):
    _, _, _, view = await setup(session, settings)
    assert [t.name for t in view.tags] == [
        "informeel", "twijfelachtig", "inconsistent", "aanname", "handmatig oordeel", "niet-gedocumenteerde kennis", "knelpunt"]
    assert all(t.letter and t.colour for t in view.tags)
    assert len({t.letter for t in view.tags}) == 7  # readable without colour: every letter differs


async def test_english_tags(session, settings):
    _, _, _, view = await setup(session, settings, "en")
    assert [t.name for t in view.tags][:3] == ["informal", "doubtful", "inconsistent"]
    assert len({t.letter for t in view.tags}) == 7


async def test_setting_a_tag_twice_is_one_change(session, settings):
    ws, fac, anna, view = await setup(session, settings)
    card = await board.add_card(session, settings, ws, anna, view.phases[0].id, view.lanes[0].id, "x")
    seq = ws.seq
    await tags.set_card_tag(session, ws, anna, card.id, view.tags[0].id, True)
    await tags.set_card_tag(session, ws, anna, card.id, view.tags[0].id, True)
    assert [t.id for t in card.tags] == [view.tags[0].id] and ws.seq == seq + 1
    await tags.set_card_tag(session, ws, anna, card.id, view.tags[0].id, False)
    assert card.tags == [] and ws.seq == seq + 2


async def test_a_tag_of_another_workshop_is_not_found(session, settings):
    ws_a, _, anna, view_a = await setup(session, settings)
    _, _, _, view_b = await setup(session, settings)
    card = await board.add_card(session, settings, ws_a, anna, view_a.phases[0].id, view_a.lanes[0].id, "x")
    with pytest.raises(NotFound):
        await tags.set_card_tag(session, ws_a, anna, card.id, view_b.tags[0].id, True)


async def test_own_tags_are_validated_and_only_own_tags_are_removed(session, settings):
    ws, fac, _, view = await setup(session, settings)
    with pytest.raises(UserError, match="letter"):
        await tags.add_tag(session, ws, fac, "Privacy", "", "red")
    with pytest.raises(UserError, match="letter"):
        await tags.add_tag(session, ws, fac, "Privacy", "PRV", "red")
    with pytest.raises(UserError, match="kleuren"):
        await tags.add_tag(session, ws, fac, "Privacy", "P", "#ff0000")
    with pytest.raises(UserError, match="al een label"):
        await tags.add_tag(session, ws, fac, "Knelpunt", "K", "red")
    own = await tags.add_tag(session, ws, fac, "Privacy", "P", "green")
    with pytest.raises(UserError):
        await tags.delete_tag(session, ws, fac, view.tags[0].id)
    await tags.delete_tag(session, ws, fac, own.id)
    assert len(await tags.list_tags(session, ws.id)) == 7


def _card(id, phase, lane, tag_list, position=0):
    card = Card(id=id, phase_id=phase, lane_id=lane, text=f"c{id}", position=position)
    card.tags = tag_list
    return card


def test_heat_counts_tagged_cards_per_cell():
    t1, t2 = Tag(id=1, name="a"), Tag(id=2, name="b")
    cells = {
        (1, 1): [_card(1, 1, 1, [t1]), _card(2, 1, 1, [t1, t2]), _card(3, 1, 1, [])],
        (1, 2): [_card(4, 1, 2, [])],
        (2, 1): [_card(5, 2, 1, [t2])],
    }
    assert tags.heat(cells) == {(1, 1): 2, (2, 1): 1}
    assert [tags.heat_level(n) for n in (0, 1, 2, 3, 4, 9)] == [0, 1, 2, 3, 4, 4]


def test_revisit_groups_by_tag_then_phase_then_lane():
    t_inf, t_pain, t_unused = Tag(id=1, name="informeel"), Tag(id=2, name="knelpunt"), Tag(id=3, name="x")
    phases = [Phase(id=10, name="Fase 1"), Phase(id=20, name="Fase 2")]
    lanes = [Lane(id=100, name="Stappen"), Lane(id=200, name="Mensen")]
    cards = [
        _card(1, 20, 100, [t_inf]),
        _card(2, 10, 200, [t_inf, t_pain]),
        _card(3, 10, 100, [t_inf]),
        _card(4, 10, 100, []),
    ]
    groups = tags.revisit_groups([t_inf, t_pain, t_unused], phases, lanes, cards)
    assert [g.tag.name for g in groups] == ["informeel", "knelpunt"]  # unused tags left out
    inf = groups[0]
    assert [p.phase.name for p in inf.phases] == ["Fase 1", "Fase 2"]
    assert [(i.card.id, i.lane.name) for i in inf.phases[0].items] == [(3, "Stappen"), (2, "Mensen")]
    assert [i.card.id for i in inf.phases[1].items] == [1]
    assert inf.count == 3
    assert [i.card.id for p in groups[1].phases for i in p.items] == [2]  # a card with two tags is in both


async def test_followup_is_validated(session, settings):
    ws, _, anna, view = await setup(session, settings)
    card = await board.add_card(session, settings, ws, anna, view.phases[0].id, view.lanes[0].id, "x")
    await tags.update_followup(session, ws, anna, card.id, " Vastleggen in protocol ", "Fatima", "resolved")
    assert (card.followup_note, card.followup_owner, card.followup_status) == ("Vastleggen in protocol", "Fatima", "resolved")
    with pytest.raises(UserError):
        await tags.update_followup(session, ws, anna, card.id, "", "", "done")


async def test_the_vote_budget_holds(session, settings):
    ws, fac, anna, view = await setup(session, settings)
    cards = [await board.add_card(session, settings, ws, anna, view.phases[0].id, view.lanes[0].id, f"k{i}") for i in range(3)]
    with pytest.raises(UserError, match="stemronde"):
        await votes.vote(session, ws, anna, cards[0].id)
    rnd = await votes.start_round(session, ws, fac, "3")
    await session.commit()
    round_id = rnd.id
    for card in (cards[0], cards[0], cards[1]):  # two dots on one card is allowed
        await votes.vote(session, ws, anna, card.id)
        await session.commit()
    with pytest.raises(UserError, match="al je 3 stemmen") as refused:
        await votes.vote(session, ws, anna, cards[2].id)
    assert refused.value.status_code == 409
    await session.rollback()  # as the request would: nothing of the refused vote is kept
    for obj in (ws, fac, anna, *cards):
        await session.refresh(obj)
    assert await votes.used_votes(session, round_id, anna.id) == 3
    await votes.unvote(session, ws, anna, cards[0].id)
    await votes.vote(session, ws, anna, cards[2].id)
    await session.commit()
    assert await votes.counts(session, round_id) == {cards[0].id: 1, cards[1].id: 1, cards[2].id: 1}
    with pytest.raises(UserError, match="geen stem"):
        await votes.unvote(session, ws, fac, cards[0].id)
    # A new round starts from zero; the old one has ended.
    new = await votes.start_round(session, ws, fac, 2)
    assert (await votes.latest_round(session, ws)).id == new.id
    assert await votes.used_votes(session, new.id, anna.id) == 0
    await votes.end_round(session, ws, fac)
    with pytest.raises(UserError):
        await votes.vote(session, ws, anna, cards[0].id)
    for bad in ("0", "21", "drie", ""):
        with pytest.raises(UserError):
            await votes.start_round(session, ws, fac, bad)
