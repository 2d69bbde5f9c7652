"""Board changes as plain async functions on a session.

Each mutating function validates, writes, and records the change in the event
log with the board's next sequence number. Committing, rendering and
broadcasting are the caller's (see `app.live.change.board_change`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.config import Settings
from app.live.events import record
from app.lookups import get_card, get_lane, get_phase, hold
from app.text import clean_name, clean_text
from app.errors import UserError
from app.facilitation import rules
from app.i18n import gettext as _
from app.privacy.warning import check_card_text
from app.models import BACKSTAGE, LANE_GROUPS, VISIBLE, Card, Lane, Participant, Phase, Tag, VoteRound, Workshop, utcnow

T = TypeVar("T")

MAX_PHASES = 20
MAX_LANES = 20


@dataclass
class BoardView:
    workshop: Workshop
    phases: list[Phase]
    lanes: list[Lane]  # in display order: visible lanes, the line, backstage lanes
    cards: dict[tuple[int, int], list[Card]] = field(default_factory=dict)
    tags: list[Tag] = field(default_factory=list)
    round: VoteRound | None = None  # the running or the last voting round
    votes: dict[int, int] = field(default_factory=dict)  # card id -> votes in that round
    private: dict[tuple[int, int], int] = field(default_factory=dict)  # cell -> unrevealed cards
    mine: dict[tuple[int, int], list[Card]] = field(default_factory=dict)  # the viewer's own unrevealed cards

    @property
    def voting(self) -> bool:
        return self.round is not None and self.round.ended_at is None

    def all_cards(self) -> list[Card]:
        return [card for cards in self.cards.values() for card in cards]

    def cell(self, phase_id: int, lane_id: int) -> list[Card]:
        return self.cards.get((phase_id, lane_id), [])

    def lanes_in(self, group: str) -> list[Lane]:
        return [lane for lane in self.lanes if lane.group == group]

    def results(self) -> list[tuple[int, Card]]:
        """(votes, card) of the cards with votes in the round, most first."""
        return sorted(((self.votes[c.id], c) for c in self.all_cards() if self.votes.get(c.id)), key=lambda p: (-p[0], p[1].id))


def ordered_lanes(lanes: list[Lane]) -> list[Lane]:
    rank = {g: i for i, g in enumerate(LANE_GROUPS)}
    return sorted(lanes, key=lambda lane: (rank.get(lane.group, 0), lane.position, lane.id))


async def load_board(session: AsyncSession, workshop: Workshop, viewer: Participant | None = None) -> BoardView:
    """The board as everyone sees it; with a viewer, also that viewer's own private cards."""
    phases = list(await session.scalars(select(Phase).where(Phase.workshop_id == workshop.id).order_by(Phase.position, Phase.id)))
    lanes = ordered_lanes(list(await session.scalars(select(Lane).where(Lane.workshop_id == workshop.id))))
    cards: dict[tuple[int, int], list[Card]] = defaultdict(list)
    private: dict[tuple[int, int], int] = defaultdict(int)
    mine: dict[tuple[int, int], list[Card]] = defaultdict(list)
    rows = await session.scalars(
        select(Card).where(Card.workshop_id == workshop.id, Card.deleted_at.is_(None), Card.hidden.is_(False))
        .order_by(Card.position, Card.id)
    )
    for card in rows:
        cell = (card.phase_id, card.lane_id)
        if not card.private:
            cards[cell].append(card)
            continue
        private[cell] += 1
        if viewer is not None and card.author_id == viewer.id:
            mine[cell].append(card)
    tags = list(await session.scalars(select(Tag).where(Tag.workshop_id == workshop.id).order_by(Tag.position, Tag.id)))
    rnd, votes = await _votes(session, workshop)
    return BoardView(workshop, phases, lanes, dict(cards), tags=tags, round=rnd, votes=votes,
                     private=dict(private), mine=dict(mine))


async def _votes(session: AsyncSession, workshop: Workshop, card_ids: list[int] | None = None):
    from app.votes import service as votes  # votes builds on this module

    rnd = await votes.latest_round(session, workshop)
    return rnd, await votes.visible_counts(session, rnd, card_ids)


@dataclass
class CellView:
    """What one cell's fragment needs: its cards, their votes, the lane's guiding question."""

    phase_id: int
    lane_id: int
    cards: list[Card]
    prompt: str
    round: VoteRound | None
    votes: dict[int, int]
    private: int = 0

    @property
    def voting(self) -> bool:
        return self.round is not None and self.round.ended_at is None


def _live_cards(workshop_id: int):
    return select(Card).where(Card.workshop_id == workshop_id, Card.deleted_at.is_(None), Card.hidden.is_(False))


async def load_cell(session: AsyncSession, workshop: Workshop, phase_id: int, lane: Lane) -> CellView:
    """A cell as everyone sees it: its revealed cards, and only the number of unrevealed ones."""
    rows = list(await session.scalars(
        _live_cards(workshop.id).where(Card.phase_id == phase_id, Card.lane_id == lane.id).order_by(Card.position, Card.id)
    ))
    cards = [c for c in rows if not c.private]
    rnd, votes = await _votes(session, workshop, [c.id for c in cards])
    return CellView(phase_id, lane.id, cards, first_question(lane.question), rnd, votes, private=len(rows) - len(cards))


async def load_mine(session: AsyncSession, workshop_id: int, member_id: int, cell: tuple[int, int] | None = None) -> dict[tuple[int, int], list[Card]]:
    """A member's own unrevealed cards, per cell: only ever sent to that member."""
    query = _live_cards(workshop_id).where(Card.private.is_(True), Card.author_id == member_id)
    if cell is not None:
        query = query.where(Card.phase_id == cell[0], Card.lane_id == cell[1])
    mine: dict[tuple[int, int], list[Card]] = defaultdict(list)
    for card in await session.scalars(query.order_by(Card.position, Card.id)):
        mine[(card.phase_id, card.lane_id)].append(card)
    if cell is not None:
        mine.setdefault(cell, [])
    return dict(mine)


def first_question(question: str) -> str:
    """The prompt shown in an empty cell: the lane's first guiding question."""
    return question.strip().split("\n")[0] if question else ""


# -- validation -------------------------------------------------------------------------------


def clean_card_text(value: str | None, settings: Settings) -> str:
    return clean_text(value, limit=settings.max_card_length, empty_message=_("A card needs some text."),
                      too_long_message=_("A card can hold at most %(limit)s characters; this one has %(length)s."))


# -- cards ------------------------------------------------------------------------------------


class EditConflict(UserError):
    """Someone else saved this card since the editor opened it."""

    status_code = 409

    def __init__(self, card: Card) -> None:
        super().__init__(_("Someone else changed this card while you were writing. Their text is on the board now; yours is still here. Save again to replace theirs, or adjust your text."))
        self.current_version = card.version  # read now: the session is rolled back before the answer


def _version(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
def _ensure_room(settings: Settings, count: int | None) -> None:
    """A bound on what one board holds; cards in the bin (deleted) do not count, hidden ones do."""
    if (count or 0) >= settings.max_cards_per_board:
        raise UserError(_("This board is full: it can hold at most %(limit)s cards. Delete cards you no longer need first.",
                          limit=settings.max_cards_per_board))


async def _next_card_position(session: AsyncSession, workshop_id: int, phase_id: int, lane_id: int) -> int:
    current = await session.scalar(
        select(func.max(Card.position)).where(
            Card.workshop_id == workshop_id, Card.phase_id == phase_id, Card.lane_id == lane_id
        )
    )
    return (current or 0) + 1


_CARDS = Card.__table__
_UPDATE_CARD = update(_CARDS).where(_CARDS.c.id == bindparam("card_id"))
_INSERT_CARD = insert(_CARDS).returning(_CARDS.c.id)
# A new card's columns that `add_card` does not name; with those it names, every column but the id
# (tests/unit/test_board_service.py: a new card leaves no column unloaded).
_NEW_CARD = {"version": 1, "hidden": False, "deleted_at": None, "followup_note": "", "followup_owner": "", "followup_status": "open"}
# One statement for both: the board's cards (against the limit) and the cell's last position.
_COUNT_AND_LAST = (
    select(func.count().filter(_CARDS.c.deleted_at.is_(None)),
           func.max(_CARDS.c.position).filter(_CARDS.c.phase_id == bindparam("phase_id"),
                                              _CARDS.c.lane_id == bindparam("lane_id")))
    .where(_CARDS.c.workshop_id == bindparam("workshop_id"))
)


async def _write_card(session: AsyncSession, card: Card, **values: object) -> None:
    """Save these columns of a card (an edit, a move): one Core UPDATE on the session's connection,
    then set into the object as committed. The hot path of a workshop; the unit of work's flush of
    one changed row cost more than the statement itself."""
    connection = await session.connection()
    await connection.execute(_UPDATE_CARD, {"card_id": card.id, **values})
    for key, value in values.items():
        set_committed_value(card, key, value)


CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,40}$")


async def add_card(
    session: AsyncSession, settings: Settings, workshop: Workshop, author: Participant,
    phase_id: object, lane_id: object, text: str | None, client_id: str | None = None,
    confirm_personal_data: bool = False,
) -> Card:
    """A new card. With a client id (cards written offline are sent again until acknowledged),
    a card that already arrived is returned as it is: the replay applies once."""
    client_id = (client_id or "").strip() or None
    if client_id is not None:
        if not CLIENT_ID.match(client_id):
            raise UserError(_("This client_id is not valid: use 8 to 40 letters, digits or dashes. Nothing was saved."))
        existing = await session.scalar(select(Card).where(Card.workshop_id == workshop.id, Card.client_id == client_id))
        if existing is not None and existing.author_id == author.id:
            return existing
        if existing is not None:
            raise UserError(_("This client_id already belongs to another card. Nothing was saved."))
    phase = await get_phase(session, workshop, phase_id)
    lane = await get_lane(session, workshop, lane_id)
    rules.ensure_can_write(workshop, author, phase)
    clean = clean_card_text(text, settings)
    connection = await session.connection()
    count, last = (await connection.execute(
        _COUNT_AND_LAST, {"workshop_id": workshop.id, "phase_id": phase.id, "lane_id": lane.id})).one()
    _ensure_room(settings, count)
    check_card_text(clean, confirmed=confirm_personal_data)
    now = utcnow()
    values = {**_NEW_CARD, "workshop_id": workshop.id, "phase_id": phase.id, "lane_id": lane.id, "author_id": author.id,
              "text": clean, "client_id": client_id, "position": (last or 0) + 1, "private": workshop.private_writing,
              "created_at": now, "updated_at": now}
    # Core, then the object made persistent as the row is (no unit of work: its flush of one new
    # row cost more than the statement); a new card has no tags and no steps yet.
    card = Card(id=(await connection.execute(_INSERT_CARD, values)).scalar_one(), **values)
    make_transient_to_detached(card)
    session.add(card)
    for key, value in (("author", author), ("tags", []), ("steps", [])):
        set_committed_value(card, key, value)
    hold(session, card)  # the read model applies it from the session (app/board/cells.py)
    await record(session, workshop, "card.added", {"card": card.id, "phase": phase.id, "lane": lane.id, "text": clean}, author)
    return card


async def edit_card(
    session: AsyncSession, settings: Settings, workshop: Workshop, actor: Participant, card_id: object, text: str | None,
    base_version: object = None,
    confirm_personal_data: bool = False,
) -> Card:
    """Save a card's text. `base_version` is the version the editor started from: if someone else
    saved another text since, nothing is overwritten silently (409); both texts stay (the other in
    the card, this one in the editor's form), and the editor may save again to replace it."""
    card = await get_card(session, workshop, card_id, actor)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    clean = clean_card_text(text, settings)
    base = _version(base_version)
    if base is not None and base != card.version and clean != card.text:
        raise EditConflict(card)
    if clean != card.text:
        check_card_text(clean, before=card.text, confirmed=confirm_personal_data)
        old = card.text
        await _write_card(session, card, text=clean, version=card.version + 1, updated_at=utcnow())
        await record(session, workshop, "card.edited", {"card": card.id, "text": clean, "previous": old}, actor)
    return card


async def move_card(
    session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object, phase_id: object, lane_id: object
) -> tuple[Card, tuple[int, int]]:
    """Move a card to the end of another cell; returns the card and the cell it left."""
    card = await get_card(session, workshop, card_id, actor)
    phase = await get_phase(session, workshop, phase_id)
    lane = await get_lane(session, workshop, lane_id)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id), phase)
    source = (card.phase_id, card.lane_id)
    if source != (phase.id, lane.id):
        position = await _next_card_position(session, workshop.id, phase.id, lane.id)
        # The version counts text changes only.
        await _write_card(session, card, phase_id=phase.id, lane_id=lane.id, position=position, updated_at=utcnow())
        await record(session, workshop, "card.moved",
                     {"card": card.id, "from": list(source), "phase": phase.id, "lane": lane.id}, actor)
    return card, source


async def delete_card(session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object) -> Card:
    """Into the bin, not gone: a facilitator can restore it."""
    card = await get_card(session, workshop, card_id, actor)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    card.deleted_at = utcnow()
    data = {"card": card.id, "phase": card.phase_id, "lane": card.lane_id, "text": card.text, "author": card.author_id}
    await record(session, workshop, "card.deleted", data, actor)
    return card


# -- phases -----------------------------------------------------------------------------------


async def _phases(session: AsyncSession, workshop: Workshop) -> list[Phase]:
    return list(await session.scalars(select(Phase).where(Phase.workshop_id == workshop.id).order_by(Phase.position, Phase.id)))


async def add_phase(session: AsyncSession, workshop: Workshop, actor: Participant, name: str | None) -> Phase:
    from app.board.blueprint import phase_name
    from app.i18n import use_locale

    phases = await _phases(session, workshop)
    if len(phases) >= MAX_PHASES:
        raise UserError(_("A board can have at most %(limit)s phases.", limit=MAX_PHASES))
    if not (name or "").strip():
        with use_locale(workshop.language):
            name = phase_name(len(phases) + 1)
    phase = Phase(workshop_id=workshop.id, position=len(phases), name=clean_name(name))
    session.add(phase)
    await session.flush()
    await record(session, workshop, "phase.added", {"phase": phase.id, "name": phase.name}, actor)
    return phase


async def update_phase(
    session: AsyncSession, workshop: Workshop, actor: Participant, phase_id: object,
    name: str | None, trigger: str | None, completion: str | None,
) -> Phase:
    phase = await get_phase(session, workshop, phase_id)
    phase.name = clean_name(name)
    phase.trigger = (trigger or "").strip()[:1000]
    phase.completion = (completion or "").strip()[:1000]
    await record(session, workshop, "phase.updated",
                 {"phase": phase.id, "name": phase.name, "trigger": phase.trigger, "completion": phase.completion}, actor)
    return phase


async def move_phase(session: AsyncSession, workshop: Workshop, actor: Participant, phase_id: object, step: int) -> None:
    phase = await get_phase(session, workshop, phase_id)
    phases = await _phases(session, workshop)
    i = phases.index(phase)
    j = max(0, min(len(phases) - 1, i + step))
    if i == j:
        return
    phases.insert(j, phases.pop(i))
    for pos, p in enumerate(phases):
        p.position = pos
    await record(session, workshop, "phase.moved", {"phase": phase.id, "to": j}, actor)


async def delete_phase(session: AsyncSession, workshop: Workshop, actor: Participant, phase_id: object) -> None:
    phase = await get_phase(session, workshop, phase_id)
    count = await session.scalar(select(func.count()).select_from(Card).where(Card.phase_id == phase.id, Card.deleted_at.is_(None)))
    if count:
        raise UserError(_("This phase still holds cards. Move or delete them first, so nothing is lost."))
    phases = await _phases(session, workshop)
    if len(phases) <= 1:
        raise UserError(_("A board needs at least one phase."))
    await session.delete(phase)
    for pos, p in enumerate(x for x in phases if x.id != phase.id):
        p.position = pos
    await record(session, workshop, "phase.deleted", {"phase": phase.id, "name": phase.name}, actor)


# -- lanes ------------------------------------------------------------------------------------


async def _lanes(session: AsyncSession, workshop: Workshop) -> list[Lane]:
    return ordered_lanes(list(await session.scalars(select(Lane).where(Lane.workshop_id == workshop.id))))


def _renumber(lanes: list[Lane]) -> None:
    for pos, lane in enumerate(lanes):
        lane.position = pos


async def add_lane(
    session: AsyncSession, workshop: Workshop, actor: Participant, group: str, name: str | None,
    after: Lane | None = None, question: str = "",
) -> Lane:
    if group not in LANE_GROUPS:
        raise UserError(_("Choose above or below the line of visibility."))
    lanes = await _lanes(session, workshop)
    if len(lanes) >= MAX_LANES:
        raise UserError(_("A board can have at most %(limit)s rows.", limit=MAX_LANES))
    lane = Lane(workshop_id=workshop.id, group=group, name=clean_name(name), question=question, position=0)
    session.add(lane)
    if after is not None:
        lanes.insert(lanes.index(after) + 1, lane)
    else:
        # At the end of its group.
        idx = max((i for i, x in enumerate(lanes) if x.group == group), default=-1 if group == VISIBLE else len(lanes) - 1)
        lanes.insert(idx + 1, lane)
    _renumber(lanes)
    await session.flush()
    await record(session, workshop, "lane.added", {"lane": lane.id, "group": group, "name": lane.name}, actor)
    return lane


async def split_lane(session: AsyncSession, workshop: Workshop, actor: Participant, lane_id: object, name: str | None) -> Lane:
    """The seed: one row per channel or touchpoint type. A new row right below, same side and question."""
    lane = await get_lane(session, workshop, lane_id)
    return await add_lane(session, workshop, actor, lane.group, name, after=lane, question=lane.question)


async def update_lane(
    session: AsyncSession, workshop: Workshop, actor: Participant, lane_id: object, name: str | None, question: str | None
) -> Lane:
    lane = await get_lane(session, workshop, lane_id)
    lane.name = clean_name(name)
    lane.question = (question or "").strip()[:1000]
    await record(session, workshop, "lane.updated", {"lane": lane.id, "name": lane.name, "question": lane.question}, actor)
    return lane


async def move_lane(session: AsyncSession, workshop: Workshop, actor: Participant, lane_id: object, step: int) -> None:
    """Move a row up or down; crossing the line of visibility changes its side."""
    lane = await get_lane(session, workshop, lane_id)
    lanes = await _lanes(session, workshop)
    i = lanes.index(lane)
    if step < 0:
        if lane.group == BACKSTAGE and (i == 0 or lanes[i - 1].group == VISIBLE):
            lane.group = VISIBLE  # up across the line
        elif i > 0:
            lanes[i - 1], lanes[i] = lanes[i], lanes[i - 1]
        else:
            return
    else:
        if lane.group == VISIBLE and (i == len(lanes) - 1 or lanes[i + 1].group == BACKSTAGE):
            lane.group = BACKSTAGE  # down across the line
        elif i < len(lanes) - 1:
            lanes[i], lanes[i + 1] = lanes[i + 1], lanes[i]
        else:
            return
    _renumber(lanes)
    await record(session, workshop, "lane.moved", {"lane": lane.id, "group": lane.group, "to": lanes.index(lane)}, actor)


async def delete_lane(session: AsyncSession, workshop: Workshop, actor: Participant, lane_id: object) -> None:
    lane = await get_lane(session, workshop, lane_id)
    count = await session.scalar(select(func.count()).select_from(Card).where(Card.lane_id == lane.id, Card.deleted_at.is_(None)))
    if count:
        raise UserError(_("This row still holds cards. Move or delete them first, so nothing is lost."))
    lanes = await _lanes(session, workshop)
    if len(lanes) <= 1:
        raise UserError(_("A board needs at least one row."))
    await session.delete(lane)
    _renumber([x for x in lanes if x.id != lane.id])
    await record(session, workshop, "lane.deleted", {"lane": lane.id, "name": lane.name}, actor)
