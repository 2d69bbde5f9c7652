"""The board's read model of its cells: each cell as everyone sees it, held in memory per board
and valid at one sequence number of that board.

A cell's or a card's fragment is drawn from here. A change made in this process applies what it
did (a card added, edited or moved) to the model it found at its number before (`advance`), so
its answer and its broadcast read nothing back. Any other change, a change made in another
process, or one that failed leaves the model behind the board's number, and the next render loads
the cells it needs again (`cell`). The number is the whole rule of validity: the model never shows
a state other than the one its number names.

Per process and per database (keyed by the engine: an app, or a test, on another database has
its own), and per board by id *and* slug: a board erased on SQLite may hand its id to a new one.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import service
from app.lookups import in_session
from app.models import Card, Event, Lane, Phase, Workshop

BOARDS_HELD = 100  # per process and database; the least recently used board is let go first


@dataclass(frozen=True, slots=True)
class TagView:
    id: int
    key: str
    name: str
    letter: str
    colour: str


@dataclass(frozen=True, slots=True)
class LevelView:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class StepView:
    id: int
    text: str
    position: int
    level: LevelView


@dataclass(frozen=True, slots=True)
class AuthorView:
    name: str
    role_label: str
    is_facilitator: bool


@dataclass(frozen=True, slots=True)
class CardView:
    """A revealed card as `_card.html` shows it: plain values, copied from the rows once, so the
    model never reaches back into a session that has closed."""

    id: int
    phase_id: int
    lane_id: int
    position: int
    version: int
    text: str
    tags: tuple[TagView, ...] = ()
    steps: tuple[StepView, ...] = ()
    author: AuthorView | None = None

    @classmethod
    def of(cls, card: Card, related: bool = True) -> CardView:
        """`related`: copy its tags and steps too (loaded with it); a new card has none yet."""
        author = card.author
        return cls(
            card.id, card.phase_id, card.lane_id, card.position, card.version, card.text,
            tuple(TagView(t.id, t.key, t.name, t.letter, t.colour) for t in card.tags) if related else (),
            tuple(StepView(s.id, s.text, s.position, LevelView(s.level.name, s.level.position)) for s in card.steps)
            if related else (),
            AuthorView(author.name, author.role_label, author.is_facilitator) if author is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Cell:
    """What a cell's fragment shows: its revealed cards in order, their visible votes, the lane's
    prompt, whether a round runs, and how many cards are still private. Never changed in place:
    a render made from it may run later (another language, after the change's turn), and must
    show the state it was drawn at; a change puts a new Cell in its place."""

    cards: tuple[CardView, ...]
    prompt: str
    votes: dict[int, int]
    voting: bool
    private: int


@dataclass(slots=True)
class _Board:
    seq: int
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def find(self, card_id: int) -> tuple[tuple[int, int], Cell, CardView] | None:
        """The held cell that holds this revealed card: its key, the cell and the card's view."""
        for key, cell in self.cells.items():
            for view in cell.cards:
                if view.id == card_id:
                    return key, cell, view
        return None


_MODELS: weakref.WeakKeyDictionary[object, OrderedDict[tuple[int, str], _Board]] = weakref.WeakKeyDictionary()


def _boards(session: AsyncSession) -> OrderedDict[tuple[int, str], _Board]:
    engine = session.bind.sync_engine  # type: ignore[union-attr]
    boards = _MODELS.get(engine)
    if boards is None:
        boards = _MODELS[engine] = OrderedDict()
    return boards


def _held(session: AsyncSession, workshop: Workshop) -> _Board | None:
    """The model of this board if it is at the number this session sees."""
    boards = _boards(session)
    board = boards.get((workshop.id, workshop.slug))
    if board is None or board.seq != workshop.seq:
        return None
    boards.move_to_end((workshop.id, workshop.slug))
    return board


def _keep(session: AsyncSession, workshop: Workshop, seq: int, key: tuple[int, int], cell: Cell) -> None:
    """Keep a cell loaded at `seq`. A model at an older number gives way; one at a newer number
    stays (this load came from an older snapshot), and the cell is then not kept."""
    boards = _boards(session)
    board = boards.get((workshop.id, workshop.slug))
    if board is None or board.seq < seq:
        board = boards[(workshop.id, workshop.slug)] = _Board(seq)
        while len(boards) > BOARDS_HELD:
            boards.popitem(last=False)
    if board.seq == seq:
        board.cells[key] = cell


async def cell(session: AsyncSession, workshop: Workshop, phase_id: int, lane_id: int) -> Cell | None:
    """The cell at the board's number as this session sees it: from memory, or loaded and kept.
    None: the phase or lane is gone (the change that removed it redrew the whole board)."""
    seq = workshop.seq
    board = _held(session, workshop)
    if board is not None and (found := board.cells.get((phase_id, lane_id))) is not None:
        return found
    # The change that wrote to this cell looked both up: no query then. (A snapshot has neither.)
    phase, lane = in_session(session, Phase, phase_id), in_session(session, Lane, lane_id)
    if phase is None or lane is None:
        lane = await session.scalar(
            select(Lane).join(Phase, Phase.workshop_id == Lane.workshop_id)
            .where(Phase.id == phase_id, Lane.id == lane_id, Lane.workshop_id == workshop.id)
        )
        if lane is None:
            return None
    view = await service.load_cell(session, workshop, phase_id, lane)
    loaded = Cell(tuple(CardView.of(c) for c in view.cards), view.prompt, view.votes, view.voting, view.private)
    _keep(session, workshop, seq, (phase_id, lane_id), loaded)
    return loaded


def card(session: AsyncSession, workshop: Workshop, card_id: int) -> tuple[CardView, Cell] | None:
    """A revealed card and its cell, if the model at this session's number holds them."""
    board = _held(session, workshop)
    found = board.find(card_id) if board is not None else None
    return (found[2], found[1]) if found is not None else None


def forget(session: AsyncSession, workshop: Workshop) -> None:
    _boards(session).pop((workshop.id, workshop.slug), None)


def advance(session: AsyncSession, workshop: Workshop, before: int, events: list[Event]) -> None:
    """A change in this process took the board from `before` to `workshop.seq` with these events:
    apply them to the model if it is at `before` and each is one the model knows; else let it go."""
    boards = _boards(session)
    key = (workshop.id, workshop.slug)
    board = boards.get(key)
    if board is None:
        return
    if board.seq != before or any(e.kind not in _APPLY for e in events):
        del boards[key]
        return
    for event in events:
        _APPLY[event.kind](board, session, event.data)
    board.seq = workshop.seq


def _with(cell: Cell, view: CardView | None = None, without: int | None = None, private: int = 0,
          votes: int = 0) -> Cell:
    """A new cell: `view` put in its place by position, the card `without` taken out, the count of
    private cards changed by `private`, `votes` for the card put in."""
    cards = [v for v in cell.cards if v.id != without and (view is None or v.id != view.id)]
    counts = {k: n for k, n in cell.votes.items() if k != without}
    if view is not None:
        cards.append(view)
        cards.sort(key=lambda v: (v.position, v.id))
        if votes:
            counts[view.id] = votes
    return dataclasses.replace(cell, cards=tuple(cards), votes=counts, private=cell.private + private)


def _added(board: _Board, session: AsyncSession, data: dict) -> None:
    key = (data["phase"], data["lane"])
    target = board.cells.get(key)
    if target is None:
        return
    card_ = in_session(session, Card, data["card"])
    if card_ is None:
        del board.cells[key]  # not at hand: loaded again when drawn
    elif card_.private:
        board.cells[key] = _with(target, private=1)
    else:
        board.cells[key] = _with(target, CardView.of(card_, related=False))  # new: no tags, steps or votes yet


def _edited(board: _Board, session: AsyncSession, data: dict) -> None:
    found = board.find(data["card"])
    if found is None:
        return  # private, or in a cell not held
    key, cell_, view = found
    card_ = in_session(session, Card, data["card"])
    if card_ is None:
        del board.cells[key]
    else:
        board.cells[key] = _with(cell_, dataclasses.replace(view, text=card_.text, version=card_.version),
                                 votes=cell_.votes.get(view.id, 0))


def _moved(board: _Board, session: AsyncSession, data: dict) -> None:
    source_key, target_key = tuple(data["from"]), (data["phase"], data["lane"])
    source, target = board.cells.get(source_key), board.cells.get(target_key)
    card_ = in_session(session, Card, data["card"])
    if card_ is None:
        board.cells.pop(source_key, None)
        board.cells.pop(target_key, None)
        return
    if card_.private:
        if source is not None:
            board.cells[source_key] = _with(source, private=-1)
        if target is not None:
            board.cells[target_key] = _with(target, private=1)
        return
    view = next((v for v in source.cards if v.id == card_.id), None) if source is not None else None
    if source is not None:
        board.cells[source_key] = _with(source, without=card_.id)
    if target is None:
        return
    if view is None:
        del board.cells[target_key]  # its view and votes are not at hand: loaded again when drawn
        return
    # Text and version are the session's, in case this change edited it too.
    moved = dataclasses.replace(view, phase_id=card_.phase_id, lane_id=card_.lane_id, position=card_.position,
                                text=card_.text, version=card_.version)
    board.cells[target_key] = _with(target, moved, votes=source.votes.get(card_.id, 0))


# The kinds of event this model applies itself; any other kind lets the board's model go.
_APPLY: dict[str, Callable[[_Board, AsyncSession, dict], None]] = {
    "card.added": _added,
    "card.edited": _edited,
    "card.moved": _moved,
}
