"""Dot voting: the facilitator opens a round of N votes per person; the server keeps every budget."""

from __future__ import annotations

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.live.events import record
from app.lookups import get_card
from app.errors import UserError
from app.facilitation import rules
from app.i18n import gettext as _
from app.models import Card, Participant, Vote, VoteRound, Workshop, utcnow

MAX_VOTES_PER_PERSON = 20


async def latest_round(session: AsyncSession, workshop: Workshop) -> VoteRound | None:
    """The running round, or else the last one (its results stay on the board)."""
    if "latest_round_id" in inspect(workshop).unloaded:  # a workshop made in this session
        await session.refresh(workshop, ["latest_round_id"])
    round_id = workshop.latest_round_id
    return None if round_id is None else await session.get(VoteRound, round_id)


async def active_round(session: AsyncSession, workshop: Workshop) -> VoteRound | None:
    rnd = await latest_round(session, workshop)
    return rnd if rnd is not None and rnd.ended_at is None else None


async def start_round(session: AsyncSession, workshop: Workshop, actor: Participant, votes_per_person: object,
                      blind: bool = True) -> VoteRound:
    try:
        n = int(str(votes_per_person).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_VOTES_PER_PERSON:
        raise UserError(_("Choose between 1 and %(limit)s votes per person.", limit=MAX_VOTES_PER_PERSON))
    await session.execute(
        update(VoteRound).where(VoteRound.workshop_id == workshop.id, VoteRound.ended_at.is_(None)).values(ended_at=utcnow())
    )
    rnd = VoteRound(workshop_id=workshop.id, votes_per_person=n, blind=bool(blind))
    session.add(rnd)
    await session.flush()
    await record(session, workshop, "votes.started", {"round": rnd.id, "votes_per_person": n, "blind": rnd.blind}, actor)
    return rnd


async def end_round(session: AsyncSession, workshop: Workshop, actor: Participant) -> VoteRound:
    rnd = await active_round(session, workshop)
    if rnd is None:
        raise UserError(_("There is no voting round running."))
    rnd.ended_at = utcnow()
    await record(session, workshop, "votes.ended", {"round": rnd.id}, actor)
    return rnd


async def used_votes(session: AsyncSession, round_id: int, participant_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Vote).where(Vote.round_id == round_id, Vote.participant_id == participant_id)
    ) or 0


async def _card_in_round(session: AsyncSession, workshop: Workshop, member: Participant, card_id: object) -> tuple[Card, VoteRound]:
    """The card voted on, and the round that is open (refused when none is)."""
    card = await get_card(session, workshop, card_id, member)
    rules.ensure_open(workshop)
    rnd = await active_round(session, workshop)
    if rnd is None:
        raise UserError(_("Voting is not open. The facilitator starts a voting round."))
    return card, rnd


async def vote(session: AsyncSession, workshop: Workshop, member: Participant, card_id: object) -> tuple[Card, VoteRound]:
    """Put one of the member's dots on a card; refused when their budget is spent."""
    card, rnd = await _card_in_round(session, workshop, member, card_id)
    # record() first: on PostgreSQL it locks the workshop row until commit, so two
    # votes of one person (even through two app processes) are counted one after the other.
    await record(session, workshop, "card.voted", {"card": card.id, "round": rnd.id}, member)
    if await used_votes(session, rnd.id, member.id) >= rnd.votes_per_person:
        raise UserError(
            _("You have used all %(limit)s of your votes. Take one back first to vote again.", limit=rnd.votes_per_person),
            status_code=409,
        )
    session.add(Vote(round_id=rnd.id, card_id=card.id, participant_id=member.id))
    return card, rnd


async def unvote(session: AsyncSession, workshop: Workshop, member: Participant, card_id: object) -> tuple[Card, VoteRound]:
    card, rnd = await _card_in_round(session, workshop, member, card_id)
    mine = await session.scalar(
        select(Vote.id).where(Vote.round_id == rnd.id, Vote.card_id == card.id, Vote.participant_id == member.id).limit(1)
    )
    if mine is None:
        raise UserError(_("You have no vote on this card."))
    await session.execute(delete(Vote).where(Vote.id == mine))
    await record(session, workshop, "card.unvoted", {"card": card.id, "round": rnd.id}, member)
    return card, rnd


async def counts(session: AsyncSession, round_id: int | None, card_ids: list[int] | None = None) -> dict[int, int]:
    if round_id is None:
        return {}
    query = select(Vote.card_id, func.count()).where(Vote.round_id == round_id).group_by(Vote.card_id)
    if card_ids is not None:
        query = query.where(Vote.card_id.in_(card_ids))
    return {card_id: n for card_id, n in (await session.execute(query)).all()}


def counts_hidden(rnd: VoteRound | None) -> bool:
    """A blind round that still runs: its counts reach nobody until the facilitator ends it."""
    return rnd is not None and rnd.ended_at is None and bool(rnd.blind)


async def visible_counts(session: AsyncSession, rnd: VoteRound | None, card_ids: list[int] | None = None) -> dict[int, int]:
    """The counts every page, answer and broadcast may show: none during a blind round."""
    if rnd is None or counts_hidden(rnd):
        return {}
    return await counts(session, rnd.id, card_ids)
