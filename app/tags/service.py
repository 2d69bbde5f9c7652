"""Tags on cards, the heat map, the revisit list and its follow-ups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import set_pair
from app.live.events import record
from app.lookups import get_card, get_owned
from app.errors import UserError
from app.facilitation import rules
from app.i18n import gettext as _
from app.models import Card, Lane, Participant, Phase, Tag, Workshop, card_tag
from app.tags.palette import PALETTE, builtin_tags

MAX_TAGS = 20
FOLLOWUP_STATUSES = ("open", "resolved")


def default_tags(workshop: Workshop) -> list[Tag]:
    return [
        Tag(key=key, name=name, letter=letter, colour=colour, position=i)
        for i, (key, name, letter, colour) in enumerate(builtin_tags(workshop.language))
    ]


async def list_tags(session: AsyncSession, workshop_id: int) -> list[Tag]:
    return list(await session.scalars(select(Tag).where(Tag.workshop_id == workshop_id).order_by(Tag.position, Tag.id)))


async def get_tag(session: AsyncSession, workshop: Workshop, tag_id: object) -> Tag:
    return await get_owned(session, workshop, Tag, tag_id, _("This tag no longer exists."))


async def set_card_tag(
    session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object, tag_id: object, on: bool
) -> Card:
    """Put a tag on a card or take it off. Setting (not toggling) makes a repeated request harmless."""
    card = await get_card(session, workshop, card_id, actor)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    tag = await get_tag(session, workshop, tag_id)
    if not await set_pair(session, card_tag, on, card_id=card.id, tag_id=tag.id):
        return card
    await record(session, workshop, "card.tagged" if on else "card.untagged", {"card": card.id, "tag": tag.id}, actor)
    await session.refresh(card, ["tags"])
    return card


async def add_tag(
    session: AsyncSession, workshop: Workshop, actor: Participant, name: str | None, letter: str | None, colour: str | None
) -> Tag:
    """A facilitator's own tag for this workshop."""
    clean_name = (name or "").strip()
    clean_letter = (letter or "").strip()
    if not clean_name:
        raise UserError(_("Give the tag a name."))
    if len(clean_name) > 40:
        raise UserError(_("A tag name can be at most %(limit)s characters long.", limit=40))
    if not clean_letter or len(clean_letter) > 2:
        raise UserError(_("Give the tag a letter or sign of one or two characters, so it can be read without colour."))
    if colour not in PALETTE:
        raise UserError(_("Choose one of the colours."))
    tags = await list_tags(session, workshop.id)
    if len(tags) >= MAX_TAGS:
        raise UserError(_("A workshop can have at most %(limit)s tags.", limit=MAX_TAGS))
    if any(t.name.lower() == clean_name.lower() for t in tags):
        raise UserError(_("There is already a tag with this name."))
    tag = Tag(workshop_id=workshop.id, key="", name=clean_name, letter=clean_letter, colour=colour, position=len(tags))
    session.add(tag)
    await session.flush()
    await record(session, workshop, "tag.added", {"tag": tag.id, "name": tag.name}, actor)
    return tag


async def delete_tag(session: AsyncSession, workshop: Workshop, actor: Participant, tag_id: object) -> None:
    tag = await get_tag(session, workshop, tag_id)
    if tag.key:
        raise UserError(_("The tags of the method stay; you can remove only your own tags."))
    await session.delete(tag)
    await record(session, workshop, "tag.deleted", {"tag": tag.id, "name": tag.name}, actor)


async def update_followup(
    session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object,
    note: str | None, owner: str | None, status: str | None,
) -> Card:
    card = await get_card(session, workshop, card_id, actor)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    if status not in FOLLOWUP_STATUSES:
        raise UserError(_("Choose open or resolved."))
    clean_note = (note or "").strip()
    clean_owner = (owner or "").strip()
    if len(clean_note) > 2000:
        raise UserError(_("A follow-up note can be at most %(limit)s characters long.", limit=2000))
    if len(clean_owner) > 100:
        raise UserError(_("A name can be at most %(limit)s characters long; this one has %(length)s.") % {"limit": 100, "length": len(clean_owner)})
    card.followup_note, card.followup_owner, card.followup_status = clean_note, clean_owner, status
    await record(session, workshop, "card.followup", {"card": card.id, "note": clean_note, "owner": clean_owner, "status": status}, actor)
    return card


# -- heat map and revisit list: pure functions over a loaded board ------------------------------


def heat(cards_by_cell: dict[tuple[int, int], list[Card]]) -> dict[tuple[int, int], int]:
    """Per cell, how many of its cards carry at least one tag."""
    return {cell: sum(1 for c in cards if c.tags) for cell, cards in cards_by_cell.items() if any(c.tags for c in cards)}


HEAT_LEVELS = 4


def heat_level(count: int) -> int:
    """0 (no tagged card) .. 4 (four or more). Absolute, not relative to the busiest cell,
    so a change in one cell never changes another cell's colour (fragments stay local)."""
    return max(0, min(HEAT_LEVELS, count))


@dataclass
class RevisitItem:
    card: Card
    lane: Lane


@dataclass
class RevisitPhase:
    phase: Phase
    items: list[RevisitItem] = field(default_factory=list)


@dataclass
class RevisitGroup:
    tag: Tag
    phases: list[RevisitPhase] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(p.items) for p in self.phases)


def revisit_groups(tags: list[Tag], phases: list[Phase], lanes: list[Lane], cards: list[Card]) -> list[RevisitGroup]:
    """Every tagged card, grouped by tag (in tag order), then by phase (board order), then lane order.

    A card with two tags appears under both. Tags without cards are left out.
    """
    lane_by_id = {lane.id: lane for lane in lanes}
    lane_rank = {lane.id: i for i, lane in enumerate(lanes)}
    by_tag: dict[int, dict[int, list[Card]]] = defaultdict(lambda: defaultdict(list))
    for card in cards:
        for tag in card.tags:
            by_tag[tag.id][card.phase_id].append(card)
    groups = []
    for tag in tags:
        if tag.id not in by_tag:
            continue
        group = RevisitGroup(tag)
        for phase in phases:
            found = by_tag[tag.id].get(phase.id)
            if found:
                found.sort(key=lambda c: (lane_rank.get(c.lane_id, 0), c.position, c.id))
                group.phases.append(RevisitPhase(phase, [RevisitItem(c, lane_by_id[c.lane_id]) for c in found]))
        groups.append(group)
    return groups
