"""Finding what a request names by id, within its own workshop: the one guard against naming
another workshop's ids (IDOR), and against reading someone else's unrevealed private card."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import Card, Lane, Participant, Phase, Workshop

T = TypeVar("T")


def parse_id(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise UserError(_("That part of the board does not exist (any more).")) from None
    if number < 1 or number > 2**31:
        raise UserError(_("That part of the board does not exist (any more)."))
    return number


async def get_owned(session: AsyncSession, workshop: Workshop, model: type[T], object_id: object, gone: str) -> T:
    """The object with this id, if it belongs to this workshop: the one guard against naming
    another workshop's ids (IDOR). `gone` is the message, already in the user's language."""
    item = await session.get(model, parse_id(object_id))
    if item is None or item.workshop_id != workshop.id:
        raise NotFound(gone)
    hold(session, item)
    return item


def in_session(session: AsyncSession, model: type[T], object_id: int) -> T | None:
    """The object if this session already holds it (no query); None otherwise."""
    return session.identity_map.get(session.sync_session.identity_key(model, object_id))


def hold(session: AsyncSession, item: object) -> None:
    """Keep what a request looked up alive until its session closes: the identity map holds
    objects weakly, and a change's fragments (loaded after it) then find them without a query."""
    session.info.setdefault("zl.held", []).append(item)


async def get_phase(session: AsyncSession, workshop: Workshop, phase_id: object) -> Phase:
    return await get_owned(session, workshop, Phase, phase_id, _("This phase no longer exists."))


async def get_lane(session: AsyncSession, workshop: Workshop, lane_id: object) -> Lane:
    return await get_owned(session, workshop, Lane, lane_id, _("This row no longer exists."))


async def get_card(
    session: AsyncSession, workshop: Workshop, card_id: object, actor: Participant | None = None, *, in_bin: bool = False
) -> Card:
    """A card on the board (with `in_bin`, also one that is hidden or deleted): the one lookup every
    route that names a card goes through. An unrevealed private card exists only for its author,
    wherever it is: card ids are sequential, so anyone can name one."""
    # One statement instead of three (the relationships' own selectin loads).
    card = await session.get(Card, parse_id(card_id), options=[joinedload(Card.tags), joinedload(Card.steps)])
    if card is None or card.workshop_id != workshop.id or (not in_bin and (card.deleted_at is not None or card.hidden)):
        raise NotFound(_("This card has been deleted by someone else."))
    if card.private and (actor is None or card.author_id != actor.id):
        raise NotFound(_("This card has been deleted by someone else."))
    hold(session, card)
    return card
