"""Broadcast fragments: load once (async, after the commit), render per language (sync).

Each is a named block of `board.html`, marked `hx-swap-oob` and keyed by id, so
applying one twice changes nothing, and it holds nothing that differs per viewer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import service
from app.models import Card, Participant, Workshop
from app.realtime import Loader, Render
from app.templating import environment, render_block

TEMPLATE = "board.html"


def _block(block: str, **context) -> str:
    return render_block(environment(), TEMPLATE, block, oob=True, **context)


def cell(workshop: Workshop, phase_id: int, lane_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        cards = await service.load_cell(session, workshop.id, phase_id, lane_id)
        return lambda: _block("cell_cards", workshop=workshop, phase_id=phase_id, lane_id=lane_id, cards=cards)

    return load


def card(workshop: Workshop, card_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        item = await session.get(Card, card_id)
        assert item is not None, "render a card only after a change that keeps it"
        await session.refresh(item, ["author"])
        return lambda: _block("card", workshop=workshop, card=item)

    return load


async def board(session: AsyncSession, workshop: Workshop) -> Render:
    view = await service.load_board(session, workshop)
    return lambda: _block("board_root", board=view, workshop=workshop)


def whole_board(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return await board(session, workshop)

    return load


async def presence(session: AsyncSession, workshop_id: int, online_ids: list[int]) -> Render:
    people = list(
        await session.scalars(
            select(Participant).where(Participant.workshop_id == workshop_id, Participant.id.in_(online_ids))
            .order_by(Participant.is_facilitator.desc(), Participant.name)
        )
    ) if online_ids else []
    return lambda: _block("presence", people=people)
