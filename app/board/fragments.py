"""Broadcast fragments: load once (async), render per language (sync).

Each is a named block of `board.html`, marked `hx-swap-oob` and keyed by id, so
applying one twice changes nothing, and it holds nothing that differs per viewer.
Each carries `data-seq`: the board's sequence number of the state it shows
(loaded at one moment, see `Database.snapshot`), so a browser can refuse an
older state that arrives late.

A fragment is also named by a small JSON-able descriptor, e.g. `("cell", 3, 5)`:
`board_change` stores the descriptors of a change in the event log, and every
app process rebuilds the loaders from there (`from_descriptors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import service
from app.models import Card, Lane, Participant, Phase, Workshop
from app.realtime import Loader, Render
from app.templating import environment, render_block

TEMPLATE = "board.html"
WHOLE_BOARD = ("board",)

Descriptor = tuple
_KINDS: dict[str, Callable[..., Loader]] = {}


def _block(block: str, **context) -> str:
    return render_block(environment(), TEMPLATE, block, oob=True, **context)


def _nothing() -> str:
    return ""


def fragment(kind: str) -> Callable[[Callable[..., Loader]], Callable[..., Loader]]:
    """Registers a loader factory `factory(workshop, *args)` under `kind`; its loaders
    carry `.descriptor = (kind, *args)` (args must be JSON values)."""

    def register(factory: Callable[..., Loader]) -> Callable[..., Loader]:
        def make(workshop: Workshop, *args) -> Loader:
            loader = factory(workshop, *args)
            loader.descriptor = (kind, *args)  # type: ignore[attr-defined]
            return loader

        make.__doc__ = factory.__doc__
        _KINDS[kind] = make
        return make

    return register


def descriptor_of(loader: Loader) -> Descriptor:
    # A loader without a descriptor is safe too: other processes render the whole board.
    return getattr(loader, "descriptor", WHOLE_BOARD)


def merge(changes: Iterable[Sequence | None]) -> list[Descriptor]:
    """The fragments to re-render for several changes, each once, in first-seen order.
    The whole board replaces the rest (and anything unknown or unrecorded is the whole board)."""
    out: list[Descriptor] = []
    for described in changes:
        if described is None:
            return [WHOLE_BOARD]
        for item in described:
            d = tuple(item)
            if not d or d[0] not in _KINDS or d == WHOLE_BOARD:
                return [WHOLE_BOARD]
            if d not in out:
                out.append(d)
    return out


def from_descriptors(workshop: Workshop, descriptors: Iterable[Descriptor]) -> list[Loader]:
    return [_KINDS[d[0]](workshop, *d[1:]) for d in descriptors]


@fragment("cell")
def cell(workshop: Workshop, phase_id: int, lane_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        phase, lane = await session.get(Phase, phase_id), await session.get(Lane, lane_id)
        if phase is None or lane is None:
            return _nothing  # removed since; the change that removed it sent the whole board
        cards = await service.load_cell(session, workshop.id, phase_id, lane_id)
        seq = workshop.seq
        return lambda: _block("cell_cards", workshop=workshop, phase_id=phase_id, lane_id=lane_id, cards=cards, seq=seq)

    return load


@fragment("card")
def card(workshop: Workshop, card_id: int) -> Loader:
    async def load(session: AsyncSession) -> Render:
        item = await session.get(Card, card_id)
        if item is None or item.workshop_id != workshop.id:
            return _nothing  # deleted since; its cell is part of the same broadcast
        await session.refresh(item, ["author"])
        seq = workshop.seq
        return lambda: _block("card", workshop=workshop, card=item, seq=seq)

    return load


async def board(session: AsyncSession, workshop: Workshop) -> Render:
    view = await service.load_board(session, workshop)
    seq = workshop.seq
    return lambda: _block("board_root", board=view, workshop=workshop, seq=seq)


@fragment("board")
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
