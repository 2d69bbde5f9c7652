"""Broadcast fragments: load once (async, after the commit), render per language (sync).

Each is a named block of `board.html`, marked `hx-swap-oob` and keyed by id, so
applying one twice changes nothing, and it holds nothing that differs per viewer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import service
from app.export import panel as export_panel
from app.models import Card, Participant, Workshop
from app.realtime import Loader, Render
from app.tags import service as tags
from app.templating import environment, render_block
from app.votes import service as votes

TEMPLATE = "board.html"


def _block(block: str, **context) -> str:
    return render_block(environment(), TEMPLATE, block, oob=True, **context)


def cell(workshop: Workshop, phase_id: int, lane_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        view = await service.load_cell(session, workshop.id, phase_id, lane_id)
        return lambda: _block(
            "cell_cards", workshop=workshop, phase_id=phase_id, lane_id=lane_id, cards=view.cards,
            prompt=view.prompt, votes=view.votes, voting=view.voting,
            tagged=sum(1 for c in view.cards if c.tags), heat_level=tags.heat_level,
        )

    return load


def card(workshop: Workshop, card_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        item = await session.get(Card, card_id)
        assert item is not None, "render a card only after a change that keeps it"
        await session.refresh(item, ["author", "tags"])
        rnd = await votes.latest_round(session, workshop.id)
        counts = await votes.counts(session, rnd.id if rnd else None, [card_id])
        voting = rnd is not None and rnd.ended_at is None
        return lambda: _block("card", workshop=workshop, card=item, votes=counts, voting=voting)

    return load


def whole_board(workshop: Workshop) -> Loader:
    """After a change of structure, tags or rounds: every live part, from one load."""

    async def load(session: AsyncSession) -> Render:
        return await everything(session, workshop)

    return load


def _revisit(view: service.BoardView) -> Render:
    groups = tags.revisit_groups(view.tags, view.phases, view.lanes, view.all_cards())
    return lambda: _block("revisit", workshop=view.workshop, groups=groups)


def revisit(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return _revisit(await service.load_board(session, workshop))

    return load


async def _tag_tools(session: AsyncSession, workshop: Workshop) -> Render:
    tag_list = await tags.list_tags(session, workshop.id)
    return lambda: _block("tag_options", workshop=workshop, tags=tag_list) + _block("tag_buttons", tags=tag_list)


def tag_tools(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return await _tag_tools(session, workshop)

    return load


def _vote_panel(view: service.BoardView) -> Render:
    results = sorted(((view.votes.get(c.id, 0), c) for c in view.all_cards() if view.votes.get(c.id)),
                     key=lambda pair: (-pair[0], pair[1].id))
    return lambda: _block("vote_panel", workshop=view.workshop, board=view, results=results)


def vote_panel(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return _vote_panel(await service.load_board(session, workshop))

    return load


async def everything(session: AsyncSession, workshop: Workshop) -> Render:
    """The whole live state, for a client that catches up: one load, every live part."""
    view = await service.load_board(session, workshop)
    parts = [
        lambda: _block("board_root", board=view, workshop=workshop, heat_level=tags.heat_level),
        _revisit(view), _vote_panel(view), await _tag_tools(session, workshop),
        lambda: export_panel.render(workshop),
    ]
    return lambda: "".join(part() for part in parts)


async def presence(session: AsyncSession, workshop_id: int, online_ids: list[int]) -> Render:
    people = list(
        await session.scalars(
            select(Participant).where(Participant.workshop_id == workshop_id, Participant.id.in_(online_ids))
            .order_by(Participant.is_facilitator.desc(), Participant.name)
        )
    ) if online_ids else []
    return lambda: _block("presence", people=people)
