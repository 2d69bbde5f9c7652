"""Broadcast fragments of the praatplaat: load once after the commit, render per language.

The chart is one fragment (`#chart-root`: both views, the walk and the editing
setting), because a change to a step moves boxes and arrows around it. Link
changes send only the cards' chips and the step counts, so nobody's chart is
redrawn under their finger.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.chart import service
from app.models import Card, Workshop
from app.live.fragments import Loader, Render, fragment, from_descriptors
from app.templating import environment, render_block

TEMPLATE = "chart.html"


def _block(block: str, **context) -> str:
    return render_block(environment(), TEMPLATE, block, oob=True, **context)


async def chart(session: AsyncSession, workshop: Workshop) -> Render:
    view = await service.load_chart(session, workshop)
    return lambda: _block("chart_root", chart=view, workshop=workshop)


@fragment("chart")
def whole_chart(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return await chart(session, workshop)

    return load


@fragment("chart_counts")
def counts(workshop: Workshop) -> Loader:
    """The number of linked cards on every step, in both views."""

    async def load(session: AsyncSession) -> Render:
        view = await service.load_chart(session, workshop)
        return lambda: _block("step_counts", chart=view)

    return load


@fragment("chart_cards")
def cards(workshop: Workshop, card_ids: list[int]) -> Loader:
    """Cards whose chips changed (a link, or a renamed or deleted step), as the board draws them
    (the board's own "card" fragment, found in the registry: the board builds on the chart)."""
    async def load(session: AsyncSession) -> Render:
        renders = []
        for card_id in list(card_ids):
            # Reloaded with its steps: links change behind the ORM's back (Core deletes of card_step).
            card = await session.get(Card, card_id, populate_existing=True)
            if card is None or card.deleted_at is not None or card.hidden:
                continue
            renders.append(await from_descriptors(workshop, [("card", card_id)])[0](session))
        return lambda: "".join(render() for render in renders)

    return load
