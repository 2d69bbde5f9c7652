"""The facilitator's controls: joining, locks, focus, timer, private writing, anonymity,
moderation (bin, removing people), renaming, closing, co-facilitator links.

Callers check that the actor is a facilitator (`require_facilitator`); these functions
validate, write and record the change.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.live.events import record
from app.lookups import get_card, get_lane, get_phase, parse_id
from app.errors import Forbidden, NotFound, UserError
from app.i18n import gettext as _
from app.models import Card, FacilitatorLink, Participant, Workshop, utcnow
from app.workshops.service import clean_title, new_facilitator_token

ANONYMITY = ("names", "roles", "none")
MAX_TIMER_MINUTES = 180


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "on", "yes"}


async def set_joining(session, workshop: Workshop, actor: Participant, value: object) -> None:
    workshop.joining_open = _flag(value)
    await record(session, workshop, "settings.joining", {"open": workshop.joining_open}, actor)


async def set_locked(session, workshop: Workshop, actor: Participant, value: object) -> None:
    workshop.locked = _flag(value)
    await record(session, workshop, "settings.locked", {"locked": workshop.locked}, actor)


async def set_phase_locked(session, workshop: Workshop, actor: Participant, phase_id: object, value: object) -> None:
    phase = await get_phase(session, workshop, phase_id)
    phase.locked = _flag(value)
    await record(session, workshop, "phase.locked", {"phase": phase.id, "locked": phase.locked}, actor)


async def set_focus(session, workshop: Workshop, actor: Participant, kind: str | None, target: object) -> None:
    """Bring everyone to one phase, one lane, or a view ("chart", "revisit"); empty: free."""
    kind = (kind or "").strip()
    if kind == "phase":
        workshop.focus_kind, workshop.focus_id = kind, (await get_phase(session, workshop, target)).id
    elif kind == "lane":
        workshop.focus_kind, workshop.focus_id = kind, (await get_lane(session, workshop, target)).id
    elif kind in ("chart", "revisit", "board"):
        workshop.focus_kind, workshop.focus_id = kind, None
    elif kind == "":
        workshop.focus_kind, workshop.focus_id = "", None
    else:
        raise UserError(_("Choose a phase, a row or a view to bring everyone to."))
    await record(session, workshop, "focus", {"kind": workshop.focus_kind, "id": workshop.focus_id}, actor)


def parse_minutes(value: object) -> int:
    """Minutes (also "2,5" or "1:30") to whole seconds."""
    text = str(value or "").strip().replace(",", ".")
    try:
        if ":" in text:
            minutes, seconds = text.split(":", 1)
            total = int(minutes) * 60 + int(seconds)
        else:
            total = round(float(text) * 60)
    except ValueError:
        total = 0
    if not 1 <= total <= MAX_TIMER_MINUTES * 60:
        raise UserError(_("Give the timer a length between 1 second and %(limit)s minutes, e.g. 5 or 2:30.", limit=MAX_TIMER_MINUTES))
    return total


async def timer(session, workshop: Workshop, actor: Participant, action: str | None, minutes: object = None) -> None:
    now = utcnow()
    if action == "start":
        seconds = parse_minutes(minutes)
        workshop.timer_total, workshop.timer_ends_at, workshop.timer_remaining = seconds, now + timedelta(seconds=seconds), None
    elif action == "pause":
        if workshop.timer_ends_at is None:
            raise UserError(_("The timer is not running."))
        ends = workshop.timer_ends_at if workshop.timer_ends_at.tzinfo else workshop.timer_ends_at.replace(tzinfo=now.tzinfo)
        workshop.timer_remaining = max(0, round((ends - now).total_seconds()))
        workshop.timer_ends_at = None
    elif action == "resume":
        if workshop.timer_remaining is None:
            raise UserError(_("The timer is not paused."))
        workshop.timer_ends_at, workshop.timer_remaining = now + timedelta(seconds=workshop.timer_remaining), None
    elif action == "reset":
        workshop.timer_ends_at, workshop.timer_remaining, workshop.timer_total = None, None, 0
    else:
        raise UserError(_("Unknown timer action."))
    await record(session, workshop, "timer", {"action": action, "total": workshop.timer_total}, actor)


async def set_private_writing(session, workshop: Workshop, actor: Participant, value: object) -> None:
    workshop.private_writing = _flag(value)
    await record(session, workshop, "settings.private_writing", {"on": workshop.private_writing}, actor)


async def reveal(session, workshop: Workshop, actor: Participant) -> int:
    """Show every private card on the board to everyone at once, and end private writing. A private
    card its author deleted before the reveal was never shared: it stays theirs."""
    result = await session.execute(
        update(Card).where(Card.workshop_id == workshop.id, Card.private.is_(True), Card.deleted_at.is_(None))
        .values(private=False)
    )
    workshop.private_writing = False
    await record(session, workshop, "cards.revealed", {"count": result.rowcount}, actor)
    return result.rowcount or 0


async def set_anonymity(session, workshop: Workshop, actor: Participant, value: str | None) -> None:
    if value not in ANONYMITY:
        raise UserError(_("Choose names, roles or nobody."))
    workshop.anonymity = value
    await record(session, workshop, "settings.anonymity", {"anonymity": value}, actor)


async def rename(session, workshop: Workshop, actor: Participant, title: str | None, settings) -> None:
    workshop.title = clean_title(title, settings)
    await record(session, workshop, "workshop.renamed", {"title": workshop.title}, actor)


async def set_closed(session, workshop: Workshop, actor: Participant, value: object) -> None:
    workshop.closed = _flag(value)
    await record(session, workshop, "settings.closed", {"closed": workshop.closed}, actor)


# -- moderation -------------------------------------------------------------------------------


async def hide_card(session, workshop: Workshop, actor: Participant, card_id: object) -> Card:
    card = await get_card(session, workshop, card_id, actor, in_bin=True)
    if card.hidden:
        return card
    card.hidden = True
    await record(session, workshop, "card.hidden", {"card": card.id, "phase": card.phase_id, "lane": card.lane_id}, actor)
    return card


async def restore_card(session, workshop: Workshop, actor: Participant, card_id: object) -> Card:
    """Out of the bin, back in its cell."""
    card = await get_card(session, workshop, card_id, actor, in_bin=True)
    if not card.hidden and card.deleted_at is None:
        return card
    card.hidden, card.deleted_at = False, None
    await record(session, workshop, "card.restored", {"card": card.id, "phase": card.phase_id, "lane": card.lane_id}, actor)
    return card


async def bin_cards(session, workshop: Workshop) -> list[Card]:
    """Hidden and deleted cards; not a private card its author threw away (it was never shared)."""
    return list(await session.scalars(
        select(Card).where(Card.workshop_id == workshop.id, (Card.hidden.is_(True)) | (Card.deleted_at.is_not(None)),
                           Card.private.is_(False))
        .order_by(Card.updated_at.desc(), Card.id.desc())
    ))


async def remove_participant(session, workshop: Workshop, actor: Participant, participant_id: object) -> Participant:
    """They lose access at once; their cards stay (the facilitator may delete them separately)."""
    person = await session.get(Participant, parse_id(participant_id))
    if person is None or person.workshop_id != workshop.id or person.removed_at is not None:
        raise NotFound(_("This participant is not in the workshop (any more)."))
    if person.id == actor.id:
        raise UserError(_("You cannot remove yourself."))
    if actor.link_id is not None and person.is_facilitator and person.link_id is None:
        # A co-facilitator's power is lent by the workshop's own facilitators: it cannot lock them out.
        raise Forbidden(_("A co-facilitator cannot remove the facilitator who created the workshop."))
    person.removed_at = utcnow()
    await record(session, workshop, "participant.removed", {"participant": person.id}, actor)
    return person


async def participants(session, workshop: Workshop) -> list[Participant]:
    return list(await session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id, Participant.removed_at.is_(None))
        .order_by(Participant.is_facilitator.desc(), Participant.name, Participant.id)
    ))


# -- co-facilitators --------------------------------------------------------------------------


async def create_link(session, workshop: Workshop, actor: Participant, label: str | None) -> FacilitatorLink:
    active = await links(session, workshop)
    if len(active) >= 10:
        raise UserError(_("A workshop can have at most %(limit)s co-facilitator links.", limit=10))
    link = FacilitatorLink(workshop_id=workshop.id, token=new_facilitator_token(), label=(label or "").strip()[:60],
                           parent_id=actor.link_id)
    session.add(link)
    await session.flush()
    await record(session, workshop, "link.created", {"link": link.id}, actor)
    return link


async def revoke_link(session, workshop: Workshop, actor: Participant, link_id: object) -> list[int]:
    """The link stops working, and so do the links made under it (by whoever came in by it, and so on
    down); whoever came in by any of them is a participant again."""
    link = await session.get(FacilitatorLink, parse_id(link_id))
    if link is None or link.workshop_id != workshop.id or link.revoked_at is not None or not _may_see(actor, link):
        raise NotFound(_("This link does not exist (any more)."))
    now = utcnow()
    revoked, todo = [], [link]
    while todo:
        current = todo.pop()
        current.revoked_at = now
        revoked.append(current.id)
        todo.extend(await session.scalars(select(FacilitatorLink).where(
            FacilitatorLink.parent_id == current.id, FacilitatorLink.revoked_at.is_(None))))
    demoted = list(await session.scalars(select(Participant).where(
        Participant.link_id.in_(revoked), Participant.is_facilitator.is_(True))))
    for person in demoted:
        person.is_facilitator = False
    await record(session, workshop, "link.revoked", {"link": link.id, "links": revoked, "demoted": [p.id for p in demoted]}, actor)
    return [p.id for p in demoted]


def _may_see(viewer: Participant | None, link: FacilitatorLink) -> bool:
    """The workshop's own facilitators see every link; a co-facilitator only the links they made:
    a link seen is a way back in, and those die with their own."""
    return viewer is None or viewer.link_id is None or link.parent_id == viewer.link_id


async def links(session, workshop: Workshop, viewer: Participant | None = None) -> list[FacilitatorLink]:
    """The active links (`viewer`: only those this facilitator may see)."""
    active = await session.scalars(
        select(FacilitatorLink).where(FacilitatorLink.workshop_id == workshop.id, FacilitatorLink.revoked_at.is_(None))
        .order_by(FacilitatorLink.id)
    )
    return [link for link in active if _may_see(viewer, link)]
