"""Broadcast fragments: load once (async), render per language (sync).

Each is a named block of `board.html`, marked `hx-swap-oob` and keyed by id, so
applying one twice changes nothing, and it holds nothing that differs per viewer.
Each carries `data-seq`: the board's sequence number of the state it shows
(loaded at one moment, see `Database.snapshot`), so a browser can refuse an
older state that arrives late.

Each kind is registered with app/live/fragments.py, which names it by a small
descriptor, e.g. `("cell", 3, 5)`, so other processes can rebuild it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import cells, service
from app.chart import fragments as chart_fragments
from app.export import panel as export_panel
from app.facilitation.rules import author_label
from app.i18n import gettext, gettext_noop
from app.models import Card, Event, Lane, Participant, Phase, Workshop
from app.live.fragments import Loader, Render, fragment
from app.tags import service as tags
from app.templating import environment, render_block, render_partial
from app.votes import service as votes

TEMPLATE = "board.html"


def _block(block: str, **context) -> str:
    return render_block(environment(), TEMPLATE, block, oob=True, **context)


def _partial(name: str, **context) -> str:
    """A partial of board/ (a cell, a card, one's own cells) as an out-of-band fragment."""
    return render_partial(f"board/{name}.html", oob=True, **context)


def _nothing() -> str:
    return ""


@fragment("cell")
def cell(workshop: Workshop, phase_id: int, lane_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        view = await cells.cell(session, workshop, phase_id, lane_id)
        if view is None:
            return _nothing  # removed since; the change that removed it sent the whole board
        seq = workshop.seq
        return lambda: _partial(
            "_cell", workshop=workshop, phase_id=phase_id, lane_id=lane_id, cards=view.cards, prompt=view.prompt,
            votes=view.votes, voting=view.voting, private_count=view.private,
            tagged=sum(1 for c in view.cards if c.tags), heat_level=tags.heat_level, seq=seq,
        )

    return load


@fragment("card")
def card(workshop: Workshop, card_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        seq = workshop.seq
        if (held := cells.card(session, workshop, card_id)) is not None:
            view, cell_ = held
            return lambda: _partial("_card", workshop=workshop, card=view, votes=cell_.votes, voting=cell_.voting, seq=seq)
        item = await session.get(Card, card_id)
        if item is None or item.workshop_id != workshop.id:
            return _nothing  # deleted since; its cell is part of the same broadcast
        if item.private:
            return _nothing  # an unrevealed card is never broadcast; its author gets mine()
        # Loaded with the card (joined and selectin); only what the session lacks is read again.
        # (Changes that alter these behind the ORM's back reload the card: `chart_cards`.)
        if unloaded := inspect(item).unloaded & {"author", "tags", "steps"}:
            await session.refresh(item, sorted(unloaded))
        rnd = await votes.latest_round(session, workshop)
        counts = await votes.visible_counts(session, rnd, [card_id])
        voting = rnd is not None and rnd.ended_at is None
        return lambda: _partial("_card", workshop=workshop, card=item, votes=counts, voting=voting, seq=seq)

    return load


def _loader(read: Callable[[AsyncSession, Workshop], Awaitable[Render]], workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return await read(session, workshop)

    return load


def _from_board(view_render: Callable[[service.BoardView], Render], workshop: Workshop) -> Loader:
    """A part drawn from the whole board's view (`view_render(view)`)."""

    async def read(session: AsyncSession, workshop_: Workshop) -> Render:
        return view_render(await service.load_board(session, workshop_))

    return _loader(read, workshop)


@fragment("board")
def whole_board(workshop: Workshop) -> Loader:
    """After a change of structure, tags or rounds: every live part, from one load."""
    return _loader(everything, workshop)


def _revisit(view: service.BoardView) -> Render:
    groups = tags.revisit_groups(view.tags, view.phases, view.lanes, view.all_cards())
    return lambda: _block("revisit", workshop=view.workshop, groups=groups)


@fragment("revisit")
def revisit(workshop: Workshop) -> Loader:
    return _from_board(_revisit, workshop)


async def _tag_tools(session: AsyncSession, workshop: Workshop) -> Render:
    tag_list = await tags.list_tags(session, workshop.id)
    return lambda: _block("tag_options", workshop=workshop, tags=tag_list) + _block("tag_buttons", tags=tag_list)


@fragment("tag_tools")
def tag_tools(workshop: Workshop) -> Loader:
    return _loader(_tag_tools, workshop)


def _vote_panel(view: service.BoardView) -> Render:
    results = view.results()
    return lambda: _block("vote_panel", workshop=view.workshop, board=view, results=results)


@fragment("vote_panel")
def vote_panel(workshop: Workshop) -> Loader:
    return _from_board(_vote_panel, workshop)


async def everything(session: AsyncSession, workshop: Workshop) -> Render:
    """The whole live state, for a client that catches up: one load, every live part."""
    view = await service.load_board(session, workshop)
    seq = workshop.seq
    parts = [
        lambda: _block("board_root", board=view, workshop=workshop, heat_level=tags.heat_level, seq=seq),
        _revisit(view), _vote_panel(view), await _tag_tools(session, workshop), _session(view),
        await chart_fragments.chart(session, workshop), lambda: export_panel.render(workshop),
    ]
    return lambda: "".join(part() for part in parts)


def _session(view: service.BoardView) -> Render:
    ws = view.workshop
    return lambda: "".join(
        _block(name, workshop=ws, board=view) for name in ("session_state", "focus", "timer", "facilitate", "workshop_title")
    )


@fragment("session")
def session(workshop: Workshop) -> Loader:
    """The room's state: locks, private writing, focus, timer, the facilitator's controls, the title."""
    return _from_board(_session, workshop)


@fragment("votes_left")
def votes_left(workshop: Workshop, remaining: int, voting: bool, seq: int) -> Loader:
    """Everyone's remaining votes as a round starts or ends: the same for all at that moment.
    Stamped with that change's number, so it never replaces a later own count."""

    async def load(session_: AsyncSession) -> Render:
        return lambda: _block("my_votes", remaining=remaining, voting=voting, seq=seq)

    return load


async def mine(session: AsyncSession, workshop: Workshop, member: Participant, *cells: tuple[int, int]) -> str:
    """The member's own unrevealed cards in these cells (all cells if none named).
    Rendered for that member's answer only: never broadcast."""
    found: dict[tuple[int, int], list[Card]] = {}
    if cells:
        for cell_ in cells:
            found.update(await service.load_mine(session, workshop.id, member.id, cell_))
    else:
        found = await service.load_mine(session, workshop.id, member.id)
    return "".join(
        _partial("_mine", workshop=workshop, phase_id=p, lane_id=l, mine_cards=cards) for (p, l), cards in found.items()
    )


async def presence(session: AsyncSession, workshop_id: int, online_ids: list[int]) -> Render:
    people = list(
        await session.scalars(
            select(Participant).where(Participant.workshop_id == workshop_id, Participant.id.in_(online_ids))
            .order_by(Participant.is_facilitator.desc(), Participant.name)
        )
    ) if online_ids else []
    return lambda: _block("presence", people=people) + _block("presence_count", people=people)


# What screen readers hear when someone else changes the board (never the text of a card:
# it may be private, and the card itself is announced by its own content when reached).
ANNOUNCEMENTS = {
    "card.added": gettext_noop("%(who)s added a card in %(where)s."),
    "card.edited": gettext_noop("%(who)s changed a card in %(where)s."),
    "card.moved": gettext_noop("%(who)s moved a card to %(where)s."),
    "card.deleted": gettext_noop("%(who)s deleted a card in %(where)s."),
    "card.tagged": gettext_noop("%(who)s tagged a card."),
}


async def announce(session: AsyncSession, workshop: Workshop, seq_before: int, recorded: list[Event] | None = None) -> Render:
    """The first announced event after `seq_before`; `recorded`: the events of the change at hand
    (as `board_change` knows them), so they need not be read back."""
    if recorded is not None:
        event = next((e for e in recorded if e.kind in ANNOUNCEMENTS), None)
    else:
        event = await session.scalar(
            select(Event).where(Event.workshop_id == workshop.id, Event.seq > seq_before, Event.kind.in_(ANNOUNCEMENTS))
            .order_by(Event.seq).limit(1)
        )
    if event is None:
        return lambda: ""
    actor = await session.get(Participant, event.actor_id) if event.actor_id else None
    phase = await session.get(Phase, event.data.get("phase")) if event.data.get("phase") else None
    lane = await session.get(Lane, event.data.get("lane")) if event.data.get("lane") else None
    where = " · ".join(x.name for x in (phase, lane) if x is not None)

    def render() -> str:
        who = author_label(actor, workshop) or gettext("Someone")
        text = gettext(ANNOUNCEMENTS[event.kind]) % {"who": who, "where": where}
        return _block("announce", text=text)

    # Who did it, for the feed alone: it leaves the announcement out of the actor's own sockets
    # (their screen reader need not hear it), instead of telling every browser the actor's id.
    render.actor = event.actor_id  # type: ignore[attr-defined]
    return render


async def editing(session: AsyncSession, workshop_id: int, by_member: dict[int, int]) -> Callable[[int | None], str]:
    """Which cards are open in someone's editor, with whom (following the anonymity setting): a
    render for one viewer, `render(viewer_id)`, leaving out the viewer's own editor. Labels only:
    participant ids would tie every edit to one person, also when authors are hidden."""
    workshop = await session.get(Workshop, workshop_id)
    people = {p.id: p for p in await session.scalars(select(Participant).where(Participant.id.in_(list(by_member))))} if by_member else {}

    def render(viewer_id: int | None = None) -> str:
        cards: dict[str, list[str]] = {}
        for member_id, card_id in by_member.items():
            if member_id != viewer_id:
                label = author_label(people.get(member_id), workshop) or gettext("Someone")
                cards.setdefault(str(card_id), []).append(label)
        return _block("editing", cards=json.dumps(cards, ensure_ascii=False))

    return render
