"""Dot voting: the facilitator starts and ends a round; members vote and unvote."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import requires_facilitator, requires_member
from app.board import fragments
from app.forms import Form, form
from app.models import Participant, Workshop
from app.live.change import board_change
from app.responses import html
from app.templating import environment, render_block
from app.votes import service


class NewRound(Form):
    votes: str = ""  # votes per person: the service says what is allowed, in the user's language
    blind: str | None = None  # "1": counts hidden until the round ends
    blind_field: str | None = None  # sent by the form beside the checkbox: an unticked box is "not blind"

    @property
    def is_blind(self) -> bool:
        """Blind unless the facilitator unticked it; a post without the field at all (a script) gets the default."""
        if self.blind is None:
            return self.blind_field is None
        return self.blind not in ("0", "")


class Rounds(Controller):
    path = "/w/{slug:str}/votes"
    guards = [requires_facilitator]

    @post("/start", dependencies=form(NewRound))
    async def start(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                    form: NewRound) -> Response:
        async with board_change(request, db_session, workshop) as change:
            rnd = await service.start_round(db_session, workshop, member, form.votes, blind=form.is_blind)
            # At the start everyone has the same budget, so this part is the same for all.
            change.add(fragments.whole_board(workshop), fragments.votes_left(workshop, rnd.votes_per_person, True, workshop.seq))
        return html(change.render())

    @post("/end")
    async def end(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.end_round(db_session, workshop, member)
            change.add(fragments.whole_board(workshop), fragments.votes_left(workshop, 0, False, workshop.seq))
        return html(change.render())


class Votes(Controller):
    path = "/w/{slug:str}/cards/{card_id:int}"
    guards = [requires_member]

    @post("/vote")
    async def vote(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                   card_id: int) -> Response:
        return await _cast(request, db_session, workshop, member, service.vote, card_id)

    @post("/unvote")
    async def unvote(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                     card_id: int) -> Response:
        return await _cast(request, db_session, workshop, member, service.unvote, card_id)


async def _cast(request: Request, session: AsyncSession, workshop: Workshop, member: Participant, write, card_id: int) -> Response:
    """A vote given or taken back (`write`): the card and the panel for everyone; the asker's
    remaining votes only in their own answer, never broadcast."""
    async with board_change(request, session, workshop) as change:
        card, rnd = await write(session, workshop, member, card_id)
        change.add(fragments.card(workshop, card.id), fragments.vote_panel(workshop))
    used = await service.used_votes(session, rnd.id, member.id)
    mine = render_block(environment(), "board.html", "my_votes", oob=True, remaining=rnd.votes_per_person - used,
                        voting=True, seq=workshop.seq)
    return html(change.render() + mine)


ROUTES = [Rounds, Votes]
