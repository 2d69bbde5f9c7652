"""The event log as history: a card's versions, restoring one, and undoing one's own last change.

Undo never touches someone else's work: only the asker's own last undoable change, and only
while nobody else has changed that card since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.live.events import record
from app.lookups import get_card, parse_id
from app.errors import NotFound, UserError
from app.facilitation import rules
from app.i18n import gettext as _
from app.models import Card, Event, Participant, Phase, Workshop, card_tag, utcnow

UNDOABLE = ("card.added", "card.edited", "card.moved", "card.deleted", "card.tagged", "card.untagged")


@dataclass
class HistoryItem:
    event: Event
    actor: Participant | None
    text: str | None  # the card's text after this change, when it changed


async def card_history(session: AsyncSession, workshop: Workshop, viewer: Participant, card_id: object) -> tuple[Card, list[HistoryItem]]:
    card = await get_card(session, workshop, card_id, viewer)
    events = [e for e in await session.scalars(
        select(Event).where(Event.workshop_id == workshop.id, Event.kind.like("card.%")).order_by(Event.seq.desc()).limit(2000)
    ) if e.data.get("card") == card.id]
    actors = {p.id: p for p in await session.scalars(select(Participant).where(Participant.workshop_id == workshop.id))}
    items = [HistoryItem(e, actors.get(e.actor_id), e.data.get("text") if e.kind in ("card.added", "card.edited") else None)
             for e in events]
    return card, items


async def restore_version(session: AsyncSession, workshop: Workshop, actor: Participant, card_id: object, seq: object) -> Card:
    """Make an earlier text the card's text again (a new version: nothing is lost)."""
    card = await get_card(session, workshop, card_id, actor)
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    event = await session.scalar(select(Event).where(Event.workshop_id == workshop.id, Event.seq == parse_id(seq)))
    if event is None or event.data.get("card") != card.id or event.kind not in ("card.added", "card.edited"):
        raise NotFound(_("This version no longer exists."))
    text = event.data["text"]
    if text != card.text:
        previous = card.text
        card.text, card.version, card.updated_at = text, card.version + 1, utcnow()
        await record(session, workshop, "card.edited", {"card": card.id, "text": text, "previous": previous, "restored": event.seq}, actor)
    return card


async def undo_last(session: AsyncSession, workshop: Workshop, actor: Participant) -> tuple[Card, set[tuple[int, int]]]:
    """Undo the asker's own last change to a card. Returns the card and the cells to redraw."""
    rules.ensure_open(workshop)
    undone = {e.data.get("of") for e in await session.scalars(
        select(Event).where(Event.workshop_id == workshop.id, Event.kind == "undo", Event.actor_id == actor.id))}
    mine = [e for e in await session.scalars(
        select(Event).where(Event.workshop_id == workshop.id, Event.actor_id == actor.id, Event.kind.in_(UNDOABLE))
        .order_by(Event.seq.desc()).limit(50)
    ) if e.seq not in undone]
    if not mine:
        raise UserError(_("There is nothing of yours to undo."))
    event = mine[0]
    card_id = event.data["card"]
    later_by_others = [e for e in await session.scalars(
        select(Event).where(Event.workshop_id == workshop.id, Event.seq > event.seq, Event.actor_id != actor.id)
    ) if e.data.get("card") == card_id]
    if later_by_others:
        raise UserError(_("Someone else has changed this card since, so your change cannot be undone. Nothing was changed."), status_code=409)
    card = await session.get(Card, card_id)
    if card is None:
        raise UserError(_("There is nothing of yours to undo."))
    rules.ensure_can_write(workshop, actor, await session.get(Phase, card.phase_id))
    cells = {(card.phase_id, card.lane_id)}
    if event.kind == "card.added":
        card.deleted_at = utcnow()
    elif event.kind == "card.edited":
        card.text, card.version = event.data["previous"], card.version + 1
    elif event.kind == "card.moved":
        card.phase_id, card.lane_id = event.data["from"]
        cells.add((card.phase_id, card.lane_id))
    elif event.kind == "card.deleted":
        card.deleted_at = None
    elif event.kind in ("card.tagged", "card.untagged"):
        tag_id = event.data["tag"]
        has = await session.scalar(select(func.count()).select_from(card_tag).where(card_tag.c.card_id == card.id, card_tag.c.tag_id == tag_id))
        if event.kind == "card.tagged" and has:
            await session.execute(delete(card_tag).where(card_tag.c.card_id == card.id, card_tag.c.tag_id == tag_id))
        elif event.kind == "card.untagged" and not has:
            await session.execute(insert(card_tag).values(card_id=card.id, tag_id=tag_id))
        await session.refresh(card, ["tags"])
    card.updated_at = utcnow()
    await record(session, workshop, "undo", {"of": event.seq, "kind": event.kind, "card": card.id}, actor)
    return card, cells
