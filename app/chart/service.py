"""Praatplaat changes as plain async functions on a session.

Like the board: each mutating function validates, writes, and records the change
with the board's next sequence number (`app.live.events.record`); committing,
rendering and broadcasting are the caller's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import set_pair
from app.live.events import record
from app.lookups import get_card, get_owned, parse_id
from app.text import clean_text
from app.chart.layout import Layout, layout
from app.errors import UserError
from app.i18n import gettext as _
from app.models import (
    CHART_EDITING, CHART_EVERYONE, STEP_KINDS, STEP_START, STEP_STEP, Card, ChartArrow, ChartLevel, ChartStep,
    Participant, Workshop, card_step,
)

MAX_LEVELS = 8
MAX_STEPS = 80
MAX_ARROWS = 160
MAX_ROLES = 12
TEXT_LIMIT = 200


@dataclass
class ChartView:
    """Everything the chart's fragments show, loaded once per change."""

    workshop: Workshop
    levels: list[ChartLevel]
    steps: list[ChartStep]
    arrows: list[ChartArrow]
    counts: dict[int, int] = field(default_factory=dict)

    @cached_property
    def layout(self) -> Layout:
        return layout(self.levels, self.steps, self.arrows)

    @cached_property
    def by_id(self) -> dict[int, ChartStep]:
        return {s.id: s for s in self.steps}

    def step(self, step_id: int) -> ChartStep | None:
        return self.by_id.get(step_id)

    def number(self, level: ChartLevel) -> int:
        return self.levels.index(level) + 1

    def steps_in(self, level: ChartLevel) -> list[ChartStep]:
        """In the order of the flow (row of the drawing), then as added."""
        rank = self.layout.ranks
        return sorted((s for s in self.steps if s.level_id == level.id), key=lambda s: (rank.get(s.id, 0), s.position, s.id))

    @cached_property
    def _out(self) -> dict[int, list[ChartArrow]]:
        out: dict[int, list[ChartArrow]] = defaultdict(list)
        rank = self.layout.ranks
        for a in self.arrows:
            out[a.source_id].append(a)
        for group in out.values():
            group.sort(key=lambda a: (rank.get(a.target_id, 0), a.id))
        return out

    def arrows_from(self, step: ChartStep) -> list[ChartArrow]:
        return self._out.get(step.id, [])

    def count(self, step: ChartStep) -> int:
        return self.counts.get(step.id, 0)

    @property
    def start_steps(self) -> list[ChartStep]:
        starts = [s for s in self.ordered_steps if s.kind == STEP_START]
        return starts or [s for s in self.ordered_steps if not any(a.target_id == s.id for a in self.arrows)]

    @property
    def ordered_steps(self) -> list[ChartStep]:
        return [s for level in self.levels for s in self.steps_in(level)]

    # -- the walk: a case followed through the chart by the whole group --

    @cached_property
    def walk(self) -> list[ChartStep]:
        return [self.by_id[i] for i in valid_walk(self.workshop.chart_walk, self.by_id)]

    @property
    def walk_current(self) -> ChartStep | None:
        return self.walk[-1] if self.walk else None

    def walk_index(self, step: ChartStep) -> list[int]:
        """Where this step comes in the walk (1-based), possibly more than once."""
        return [i + 1 for i, s in enumerate(self.walk) if s.id == step.id]

    @cached_property
    def walk_arrows(self) -> set[int]:
        pairs = {(a.id, b.id) for a, b in zip(self.walk, self.walk[1:])}
        return {a.id for a in self.arrows if (a.source_id, a.target_id) in pairs}

    @property
    def walk_key(self) -> str:
        """Changes whenever the walk does; the page follows the walk when it changes."""
        return "-".join(str(s.id) for s in self.walk)


def valid_walk(trail: object, known: dict[int, ChartStep] | set[int]) -> list[int]:
    """The walk up to the first step that no longer exists."""
    steps: list[int] = []
    for item in trail if isinstance(trail, list) else []:
        if not isinstance(item, int) or item not in known:
            break
        steps.append(item)
    return steps


async def load_chart(session: AsyncSession, workshop: Workshop) -> ChartView:
    levels = list(await session.scalars(
        select(ChartLevel).where(ChartLevel.workshop_id == workshop.id).order_by(ChartLevel.position, ChartLevel.id)))
    steps = list(await session.scalars(
        select(ChartStep).where(ChartStep.workshop_id == workshop.id).order_by(ChartStep.position, ChartStep.id)))
    arrows = list(await session.scalars(
        select(ChartArrow).where(ChartArrow.workshop_id == workshop.id).order_by(ChartArrow.id)))
    return ChartView(workshop, levels, steps, arrows, await link_counts(session, workshop.id))


async def link_counts(session: AsyncSession, workshop_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(card_step.c.step_id, func.count())
        .join(Card, Card.id == card_step.c.card_id)
        # Cards in the bin do not count; unrevealed private cards count (a number, never their text).
        .where(Card.workshop_id == workshop_id, Card.deleted_at.is_(None), Card.hidden.is_(False))
        .group_by(card_step.c.step_id)
    )
    return {step_id: n for step_id, n in rows}


async def step_ids_in(session: AsyncSession, level_id: int) -> list[int]:
    return list(await session.scalars(select(ChartStep.id).where(ChartStep.level_id == level_id)))


async def linked_card_ids(session: AsyncSession, step_ids: list[int]) -> list[int]:
    if not step_ids:
        return []
    rows = await session.scalars(select(card_step.c.card_id).where(card_step.c.step_id.in_(step_ids)).distinct())
    return sorted(rows)


# -- who may change the chart -------------------------------------------------------------------


def can_edit(workshop: Workshop, member: Participant) -> bool:
    return member.is_facilitator or workshop.chart_editing == CHART_EVERYONE


async def set_editing(session: AsyncSession, workshop: Workshop, actor: Participant, mode: object) -> None:
    if mode not in CHART_EDITING:
        raise UserError(_("Choose who may change the chart."))
    if workshop.chart_editing != mode:
        workshop.chart_editing = str(mode)
        await record(session, workshop, "chart.editing", {"mode": mode}, actor)


# -- validation ---------------------------------------------------------------------------------


def clean_chart_text(value: str | None, limit: int = TEXT_LIMIT) -> str:
    text = clean_text(value, limit=limit, empty_message=_("Please fill in a text."),
                      too_long_message=_("This text can be at most %(limit)s characters long; it has %(length)s."))
    return " ".join(text.split())  # one line: it is drawn in a box


def clean_label(value: str | None) -> str:
    text = " ".join((value or "").split())
    text = "".join(ch for ch in text if ch >= " ")
    if len(text) > TEXT_LIMIT:
        raise UserError(_("This text can be at most %(limit)s characters long; it has %(length)s.",
                          limit=TEXT_LIMIT, length=len(text)))
    return text


def clean_roles(value: str | None) -> list[str]:
    """One role per line (commas also separate), without duplicates."""
    roles: list[str] = []
    for part in (value or "").replace(",", "\n").splitlines():
        role = " ".join("".join(ch for ch in part if ch >= " ").split())
        if not role or role in roles:
            continue
        if len(role) > 60:
            raise UserError(_("A role can be at most %(limit)s characters long.", limit=60))
        roles.append(role)
    if len(roles) > MAX_ROLES:
        raise UserError(_("A level can have at most %(limit)s example roles.", limit=MAX_ROLES))
    return roles


async def get_level(session: AsyncSession, workshop: Workshop, level_id: object) -> ChartLevel:
    return await get_owned(session, workshop, ChartLevel, level_id, _("This level of the chart no longer exists."))


async def get_step(session: AsyncSession, workshop: Workshop, step_id: object) -> ChartStep:
    return await get_owned(session, workshop, ChartStep, step_id, _("This step of the chart no longer exists."))


async def get_arrow(session: AsyncSession, workshop: Workshop, arrow_id: object) -> ChartArrow:
    return await get_owned(session, workshop, ChartArrow, arrow_id, _("This arrow of the chart no longer exists."))


async def _count(session: AsyncSession, model, workshop: Workshop) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(model.workshop_id == workshop.id)) or 0


# -- levels -------------------------------------------------------------------------------------


async def _levels(session: AsyncSession, workshop: Workshop) -> list[ChartLevel]:
    return list(await session.scalars(
        select(ChartLevel).where(ChartLevel.workshop_id == workshop.id).order_by(ChartLevel.position, ChartLevel.id)))


async def add_level(session: AsyncSession, workshop: Workshop, actor: Participant, name: str | None) -> ChartLevel:
    levels = await _levels(session, workshop)
    if len(levels) >= MAX_LEVELS:
        raise UserError(_("A chart can have at most %(limit)s levels.", limit=MAX_LEVELS))
    level = ChartLevel(workshop_id=workshop.id, position=len(levels), name=clean_chart_text(name, 100), roles=[])
    session.add(level)
    await session.flush()
    await record(session, workshop, "chart.level.added", {"level": level.id, "name": level.name}, actor)
    return level


async def update_level(
    session: AsyncSession, workshop: Workshop, actor: Participant, level_id: object, name: str | None, roles: str | None
) -> ChartLevel:
    level = await get_level(session, workshop, level_id)
    level.name = clean_chart_text(name, 100)
    level.roles = clean_roles(roles)
    await record(session, workshop, "chart.level.updated", {"level": level.id, "name": level.name, "roles": level.roles}, actor)
    return level


async def delete_level(session: AsyncSession, workshop: Workshop, actor: Participant, level_id: object) -> None:
    level = await get_level(session, workshop, level_id)
    held = await session.scalar(select(func.count()).select_from(ChartStep).where(ChartStep.level_id == level.id))
    if held:
        raise UserError(_("This level still has steps. Move or delete them first."))
    levels = await _levels(session, workshop)
    await session.delete(level)
    for pos, other in enumerate(x for x in levels if x.id != level.id):
        other.position = pos
    await record(session, workshop, "chart.level.deleted", {"level": level.id, "name": level.name}, actor)


# -- steps --------------------------------------------------------------------------------------


def clean_kind(kind: object) -> str:
    return str(kind) if kind in STEP_KINDS else STEP_STEP


async def add_step(
    session: AsyncSession, workshop: Workshop, actor: Participant, level_id: object, text: str | None, kind: object,
    after: object = None,
) -> ChartStep:
    """A new step in a level; with `after`, also an arrow from that step to the new one."""
    level = await get_level(session, workshop, level_id)
    clean = clean_chart_text(text)
    source = await get_step(session, workshop, after) if after not in (None, "") else None
    if await _count(session, ChartStep, workshop) >= MAX_STEPS:
        raise UserError(_("A chart can have at most %(limit)s steps.", limit=MAX_STEPS))
    last = await session.scalar(select(func.max(ChartStep.position)).where(ChartStep.level_id == level.id))
    step = ChartStep(workshop_id=workshop.id, level_id=level.id, position=(last or 0) + 1, kind=clean_kind(kind), text=clean)
    session.add(step)
    await session.flush()
    data = {"step": step.id, "level": level.id, "text": clean, "kind": step.kind}
    if source is not None:
        arrow = ChartArrow(workshop_id=workshop.id, source_id=source.id, target_id=step.id, label="")
        session.add(arrow)
        await session.flush()
        data["arrow"] = {"arrow": arrow.id, "from": source.id}
    await record(session, workshop, "chart.step.added", data, actor)
    return step


async def update_step(
    session: AsyncSession, workshop: Workshop, actor: Participant, step_id: object,
    text: str | None, kind: object, level_id: object,
) -> ChartStep:
    step = await get_step(session, workshop, step_id)
    step.text = clean_chart_text(text)
    step.kind = clean_kind(kind)
    if level_id not in (None, "") and parse_id(level_id) != step.level_id:
        level = await get_level(session, workshop, level_id)
        last = await session.scalar(select(func.max(ChartStep.position)).where(ChartStep.level_id == level.id))
        step.level_id, step.level, step.position = level.id, level, (last or 0) + 1
    await record(session, workshop, "chart.step.updated",
                 {"step": step.id, "text": step.text, "kind": step.kind, "level": step.level_id}, actor)
    return step


async def delete_step(session: AsyncSession, workshop: Workshop, actor: Participant, step_id: object) -> list[int]:
    """Deletes the step with its arrows and card links; returns the cards that lose a chip."""
    step = await get_step(session, workshop, step_id)
    cards = await linked_card_ids(session, [step.id])
    data = {"step": step.id, "level": step.level_id, "text": step.text, "cards": cards}
    await session.execute(delete(ChartArrow).where((ChartArrow.source_id == step.id) | (ChartArrow.target_id == step.id)))
    await session.execute(delete(card_step).where(card_step.c.step_id == step.id))
    await session.delete(step)
    if step.id in (workshop.chart_walk or []):
        workshop.chart_walk = workshop.chart_walk[: workshop.chart_walk.index(step.id)]
    await record(session, workshop, "chart.step.deleted", data, actor)
    return cards


# -- arrows -------------------------------------------------------------------------------------


async def add_arrow(
    session: AsyncSession, workshop: Workshop, actor: Participant, source_id: object, target_id: object, label: str | None
) -> ChartArrow:
    source = await get_step(session, workshop, source_id)
    target = await get_step(session, workshop, target_id)
    clean = clean_label(label)
    if source.id == target.id:
        raise UserError(_("An arrow goes from one step to another step."))
    exists = await session.scalar(select(ChartArrow.id).where(ChartArrow.source_id == source.id, ChartArrow.target_id == target.id))
    if exists:
        raise UserError(_("There already is an arrow from this step to that one."))
    if await _count(session, ChartArrow, workshop) >= MAX_ARROWS:
        raise UserError(_("A chart can have at most %(limit)s arrows.", limit=MAX_ARROWS))
    arrow = ChartArrow(workshop_id=workshop.id, source_id=source.id, target_id=target.id, label=clean)
    session.add(arrow)
    await session.flush()
    await record(session, workshop, "chart.arrow.added", {"arrow": arrow.id, "from": source.id, "to": target.id, "label": clean}, actor)
    return arrow


async def update_arrow(
    session: AsyncSession, workshop: Workshop, actor: Participant, arrow_id: object, target_id: object, label: str | None
) -> ChartArrow:
    arrow = await get_arrow(session, workshop, arrow_id)
    arrow.label = clean_label(label)
    if target_id not in (None, "") and parse_id(target_id) != arrow.target_id:
        target = await get_step(session, workshop, target_id)
        if target.id == arrow.source_id:
            raise UserError(_("An arrow goes from one step to another step."))
        taken = await session.scalar(select(ChartArrow.id).where(
            ChartArrow.source_id == arrow.source_id, ChartArrow.target_id == target.id))
        if taken:
            raise UserError(_("There already is an arrow from this step to that one."))
        arrow.target_id = target.id
    await record(session, workshop, "chart.arrow.updated",
                 {"arrow": arrow.id, "to": arrow.target_id, "label": arrow.label}, actor)
    return arrow


async def delete_arrow(session: AsyncSession, workshop: Workshop, actor: Participant, arrow_id: object) -> ChartArrow:
    arrow = await get_arrow(session, workshop, arrow_id)
    await session.delete(arrow)
    await record(session, workshop, "chart.arrow.deleted",
                 {"arrow": arrow.id, "from": arrow.source_id, "to": arrow.target_id, "label": arrow.label}, actor)
    return arrow


async def insert_default(session: AsyncSession, workshop: Workshop, actor: Participant) -> None:
    """The seed's chart, for a workshop whose chart is empty (made before the praatplaat existed)."""
    from app.chart.default import add_default_chart

    if await _count(session, ChartLevel, workshop):
        raise UserError(_("This workshop already has a chart."))
    await add_default_chart(session, workshop)
    await record(session, workshop, "chart.default", {}, actor)


# -- links between cards and steps --------------------------------------------------------------


async def link_card(
    session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object, step_id: object, linked: bool
) -> Card:
    card = await get_card(session, workshop, card_id)
    step = await get_step(session, workshop, step_id)
    if not await set_pair(session, card_step, linked, card_id=card.id, step_id=step.id):
        return card
    session.expire(card, ["steps"])  # written behind the ORM's back: whoever draws the card next reads them
    await record(session, workshop, "card.linked" if linked else "card.unlinked", {"card": card.id, "step": step.id}, actor)
    return card


# -- walking a case -----------------------------------------------------------------------------


async def walk_start(session: AsyncSession, workshop: Workshop, actor: Participant, step_id: object) -> None:
    step = await get_step(session, workshop, step_id)
    workshop.chart_walk = [step.id]
    await record(session, workshop, "chart.walk", {"walk": workshop.chart_walk}, actor)


async def walk_next(session: AsyncSession, workshop: Workshop, actor: Participant, step_id: object) -> None:
    step = await get_step(session, workshop, step_id)
    trail = valid_walk(workshop.chart_walk, {s for s in await session.scalars(
        select(ChartStep.id).where(ChartStep.workshop_id == workshop.id))})
    if not trail:
        raise UserError(_("Start a case first."))
    arrow = await session.scalar(select(ChartArrow.id).where(ChartArrow.source_id == trail[-1], ChartArrow.target_id == step.id))
    if arrow is None:
        raise UserError(_("No arrow leads from the current step to that one."))
    workshop.chart_walk = [*trail, step.id]
    await record(session, workshop, "chart.walk", {"walk": workshop.chart_walk}, actor)


async def walk_back(session: AsyncSession, workshop: Workshop, actor: Participant) -> None:
    trail = list(workshop.chart_walk or [])
    if len(trail) > 1:
        workshop.chart_walk = trail[:-1]
        await record(session, workshop, "chart.walk", {"walk": workshop.chart_walk}, actor)


async def walk_stop(session: AsyncSession, workshop: Workshop, actor: Participant) -> None:
    if workshop.chart_walk:
        workshop.chart_walk = []
        await record(session, workshop, "chart.walk", {"walk": []}, actor)
