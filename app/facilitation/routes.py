"""The facilitator's controls: the room's settings, moderation, participants and co-facilitators.
Every route here is the facilitator's (the controller's guard), whatever the page shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import requires_facilitator
from app.board import fragments
from app.chart import fragments as chart_fragments
from app.config import Settings
from app.errors import Forbidden
from app.facilitation import service
from app.forms import Form, form
from app.i18n import gettext as _
from app.models import Card, Participant, Workshop
from app.live.change import board_change
from app.responses import base_url, html
from app.templating import render_partial


class Flag(Form):
    value: bool = False


class Focus(Form):
    target: str = ""  # "phase:<id>", "lane:<id>", "revisit", "chart", "board" or "" (free)


class Timer(Form):
    action: str = ""  # start, pause, resume or reset
    minutes: str = ""  # for start: "5", "2,5" or "1:30"


class Choice(Form):
    value: str = ""


class Title(Form):
    title: str = ""


class Label(Form):
    label: str = ""


async def _setting(request: Request, session: AsyncSession, workshop: Workshop, write: Callable[[], Awaitable[object]],
                   part, allow_closed: bool = False) -> Response:
    """One setting (`write`: the service call, which validates, writes and records); `part`: the live part it changes."""
    async with board_change(request, session, workshop, allow_closed=allow_closed) as change:
        await write()
        change.add(part(workshop))
    return html(change.render())


class RoomSettings(Controller):
    """The room's settings: each redraws the part of every screen it changes."""

    path = "/w/{slug:str}"
    guards = [requires_facilitator]

    @post("/settings/joining", dependencies=form(Flag))
    async def joining(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, form: Flag) -> Response:
        return await _setting(request, db_session, workshop, lambda: service.set_joining(db_session, workshop, member, form.value),
                              fragments.session)

    @post("/settings/locked", dependencies=form(Flag))
    async def locked(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, form: Flag) -> Response:
        return await _setting(request, db_session, workshop, lambda: service.set_locked(db_session, workshop, member, form.value),
                              fragments.session)

    @post("/phases/{phase_id:int}/lock", dependencies=form(Flag))
    async def phase_locked(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           phase_id: int, form: Flag) -> Response:
        return await _setting(request, db_session, workshop,
                              lambda: service.set_phase_locked(db_session, workshop, member, phase_id, form.value), fragments.whole_board)

    @post("/focus", dependencies=form(Focus))
    async def focus(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, form: Focus) -> Response:
        kind, _sep, target = form.target.partition(":")
        return await _setting(request, db_session, workshop, lambda: service.set_focus(db_session, workshop, member, kind, target),
                              fragments.session)

    @post("/timer", dependencies=form(Timer))
    async def timer(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, form: Timer) -> Response:
        return await _setting(request, db_session, workshop,
                              lambda: service.timer(db_session, workshop, member, form.action, form.minutes), fragments.session)

    @post("/settings/private", dependencies=form(Flag))
    async def private_writing(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                              form: Flag) -> Response:
        return await _setting(request, db_session, workshop,
                              lambda: service.set_private_writing(db_session, workshop, member, form.value), fragments.session)

    @post("/reveal")
    async def reveal(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        return await _setting(request, db_session, workshop, lambda: service.reveal(db_session, workshop, member), fragments.whole_board)

    @post("/settings/anonymity", dependencies=form(Choice))
    async def anonymity(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        form: Choice) -> Response:
        return await _setting(request, db_session, workshop,
                              lambda: service.set_anonymity(db_session, workshop, member, form.value), fragments.whole_board)

    @post("/settings/title", dependencies=form(Title))
    async def title(self, request: Request, db_session: AsyncSession, settings: Settings, workshop: Workshop,
                    member: Participant, form: Title) -> Response:
        return await _setting(request, db_session, workshop,
                              lambda: service.rename(db_session, workshop, member, form.title, settings), fragments.session)

    @post("/settings/closed", dependencies=form(Flag))
    async def closed(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, form: Flag) -> Response:
        # Reopening must work on a closed session, and closing it twice is harmless.
        return await _setting(request, db_session, workshop, lambda: service.set_closed(db_session, workshop, member, form.value),
                              fragments.whole_board, allow_closed=True)


class Moderation(Controller):
    """Hiding cards into the bin and back, and removing a participant."""

    path = "/w/{slug:str}"
    guards = [requires_facilitator]

    @post("/cards/{card_id:int}/hide")
    async def hide(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant, card_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            change.add(*_bin_parts(workshop, await service.hide_card(db_session, workshop, member, card_id)))
        return html(change.render())

    @get("/bin")
    async def bin(self, db_session: AsyncSession, workshop: Workshop) -> Response:
        return html(render_partial("board/forms/bin.html", workshop=workshop, cards=await service.bin_cards(db_session, workshop)))

    @post("/cards/{card_id:int}/restore")
    async def restore(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                      card_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            change.add(*_bin_parts(workshop, await service.restore_card(db_session, workshop, member, card_id)))
        cards = await service.bin_cards(db_session, workshop)
        return html(change.render() + render_partial("board/forms/bin.html", workshop=workshop, cards=cards))

    @get("/participants")
    async def participants(self, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        people = await service.participants(db_session, workshop)
        return html(render_partial("board/forms/participants.html", workshop=workshop, member=member, people=people))

    @post("/participants/{participant_id:int}/remove")
    async def remove(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                     participant_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            person = await service.remove_participant(db_session, workshop, member, participant_id)
        await request.app.state.hub.disconnect(workshop.id, person.id)
        people = await service.participants(db_session, workshop)
        return html(change.render() + render_partial("board/forms/participants.html", workshop=workshop, member=member, people=people))


def _bin_parts(workshop: Workshop, card: Card) -> tuple:
    """A card into the bin or back: its cell, the revisit list, the votes and the chart's counts change."""
    return (fragments.cell(workshop, card.phase_id, card.lane_id), fragments.revisit(workshop), fragments.vote_panel(workshop),
            chart_fragments.counts(workshop))


class CoFacilitators(Controller):
    """The facilitator link and the co-facilitators' own links."""

    path = "/w/{slug:str}"
    guards = [requires_facilitator]

    @get("/facilitator-link")
    async def own_link(self, request: Request, workshop: Workshop, member: Participant) -> Response:
        """Fetched on demand into the drawer: never part of a page that is projected. Only for the workshop's
        own facilitators: a co-facilitator who saw it could come back after being revoked."""
        if member.link_id is not None:
            raise Forbidden(_("Only the facilitator who created the workshop can see its facilitator link."))
        link = f"{base_url(request)}/f/{workshop.facilitator_token}"
        return html(render_partial("board/forms/own_link.html", facilitator_link=link))

    @get("/links")
    async def links(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        return html(await _links_dialog(request, db_session, workshop, member))

    @post("/links", dependencies=form(Label))
    async def create_link(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          form: Label) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.create_link(db_session, workshop, member, form.label)
        return html(change.render() + await _links_dialog(request, db_session, workshop, member))

    @post("/links/{link_id:int}/revoke")
    async def revoke_link(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          link_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.revoke_link(db_session, workshop, member, link_id)
        return html(change.render() + await _links_dialog(request, db_session, workshop, member))


async def _links_dialog(request: Request, session: AsyncSession, workshop: Workshop, member: Participant) -> str:
    return render_partial("board/forms/links.html", workshop=workshop, base=base_url(request),
                          links=await service.links(session, workshop, member))


ROUTES = [RoomSettings, Moderation, CoFacilitators]
