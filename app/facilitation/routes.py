"""The facilitator's controls. Every handler starts with `require_facilitator`: the server refuses
each of them to a participant, whatever the page shows."""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import fragments
from app.chart import fragments as chart_fragments
from app.errors import Forbidden
from app.facilitation import service
from app.i18n import gettext as _
from app.realtime import board_change
from app.responses import base_url, html
from app.security import require_facilitator
from app.templating import render_partial



def _dialog(name: str, **context) -> Response:
    return html(render_partial(f"board/forms/{name}.html", **context))


async def _setting(request: Request, db_session: AsyncSession, slug: str, apply, *loaders, allow_closed: bool = False) -> Response:
    """One setting: who asks, apply it (validates, writes, records), broadcast the parts it changes."""
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop, allow_closed=allow_closed) as change:
        await apply(workshop, member, form)
        change.add(*(loader(workshop) for loader in loaders))
    return html(change.render())


@post("/w/{slug:str}/settings/joining")
async def set_joining(request: Request, db_session: AsyncSession, slug: str) -> Response:
    return await _setting(request, db_session, slug, lambda w, m, f: service.set_joining(db_session, w, m, f.get("value")), fragments.session)


@post("/w/{slug:str}/settings/locked")
async def set_locked(request: Request, db_session: AsyncSession, slug: str) -> Response:
    return await _setting(request, db_session, slug, lambda w, m, f: service.set_locked(db_session, w, m, f.get("value")), fragments.session)


@post("/w/{slug:str}/phases/{phase_id:int}/lock")
async def set_phase_locked(request: Request, db_session: AsyncSession, slug: str, phase_id: int) -> Response:
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.set_phase_locked(db_session, w, m, phase_id, f.get("value")),
        fragments.whole_board,
    )


@post("/w/{slug:str}/focus")
async def set_focus(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Form: target = "phase:<id>", "lane:<id>", "revisit", "chart", "board" or "" (free)."""

    async def apply(workshop, member, form):
        kind, _sep, target = str(form.get("target") or "").partition(":")
        await service.set_focus(db_session, workshop, member, kind, target)

    return await _setting(request, db_session, slug, apply, fragments.session)


@post("/w/{slug:str}/timer")
async def timer(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Form: action = start (with minutes: "5", "2,5" or "1:30"), pause, resume or reset."""
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.timer(db_session, w, m, f.get("action"), f.get("minutes")),
        fragments.session,
    )


@post("/w/{slug:str}/settings/private")
async def set_private_writing(request: Request, db_session: AsyncSession, slug: str) -> Response:
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.set_private_writing(db_session, w, m, f.get("value")), fragments.session
    )


@post("/w/{slug:str}/reveal")
async def reveal(request: Request, db_session: AsyncSession, slug: str) -> Response:
    return await _setting(request, db_session, slug, lambda w, m, f: service.reveal(db_session, w, m), fragments.whole_board)


@post("/w/{slug:str}/settings/anonymity")
async def set_anonymity(request: Request, db_session: AsyncSession, slug: str) -> Response:
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.set_anonymity(db_session, w, m, f.get("value")), fragments.whole_board
    )


@post("/w/{slug:str}/settings/title")
async def rename(request: Request, db_session: AsyncSession, slug: str) -> Response:
    settings = request.app.state.settings
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.rename(db_session, w, m, f.get("title"), settings), fragments.session
    )


@post("/w/{slug:str}/settings/closed")
async def set_closed(request: Request, db_session: AsyncSession, slug: str) -> Response:
    # Reopening must work on a closed session, and closing it twice is harmless.
    return await _setting(
        request, db_session, slug, lambda w, m, f: service.set_closed(db_session, w, m, f.get("value")), fragments.whole_board,
        allow_closed=True,
    )


# -- moderation -------------------------------------------------------------------------------


@post("/w/{slug:str}/cards/{card_id:int}/hide")
async def hide_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card = await service.hide_card(db_session, workshop, member, card_id)
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id), fragments.revisit(workshop), fragments.vote_panel(workshop),
                   chart_fragments.counts(workshop))
    return html(change.render())


@get("/w/{slug:str}/bin")
async def bin_list(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, _member = await require_facilitator(request, db_session, slug)
    return _dialog("bin", workshop=workshop, cards=await service.bin_cards(db_session, workshop))


@post("/w/{slug:str}/cards/{card_id:int}/restore")
async def restore_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        card = await service.restore_card(db_session, workshop, member, card_id)
        change.add(fragments.cell(workshop, card.phase_id, card.lane_id), fragments.revisit(workshop), fragments.vote_panel(workshop),
                   chart_fragments.counts(workshop))
    cards = await service.bin_cards(db_session, workshop)
    return html(change.render() + render_partial("board/forms/bin.html", workshop=workshop, cards=cards))


@get("/w/{slug:str}/participants")
async def participants(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    return _dialog("participants", workshop=workshop, member=member, people=await service.participants(db_session, workshop))


@post("/w/{slug:str}/participants/{participant_id:int}/remove")
async def remove_participant(request: Request, db_session: AsyncSession, slug: str, participant_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        person = await service.remove_participant(db_session, workshop, member, participant_id)
    hub = request.app.state.hub
    await hub.disconnect(workshop.id, person.id)
    people = await service.participants(db_session, workshop)
    return html(change.render() + render_partial("board/forms/participants.html", workshop=workshop,
                                               member=member, people=people))


# -- co-facilitators --------------------------------------------------------------------------


async def _links_dialog(request: Request, db_session: AsyncSession, workshop, member) -> str:
    return render_partial("board/forms/links.html", workshop=workshop, base=base_url(request),
                          links=await service.links(db_session, workshop, member))


@get("/w/{slug:str}/links")
async def links(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    return html(await _links_dialog(request, db_session, workshop, member))


@post("/w/{slug:str}/links")
async def create_link(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.create_link(db_session, workshop, member, form.get("label"))
    return html(change.render() + await _links_dialog(request, db_session, workshop, member))


@post("/w/{slug:str}/links/{link_id:int}/revoke")
async def revoke_link(request: Request, db_session: AsyncSession, slug: str, link_id: int) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.revoke_link(db_session, workshop, member, link_id)
    return html(change.render() + await _links_dialog(request, db_session, workshop, member))


@get("/w/{slug:str}/facilitator-link")
async def own_link(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """The facilitator link, fetched on demand into the drawer: never part of a page that is projected.
    Only for the workshop's own facilitators: a co-facilitator who saw it could come back after being revoked."""
    workshop, member = await require_facilitator(request, db_session, slug)
    if member.link_id is not None:
        raise Forbidden(_("Only the facilitator who created the workshop can see its facilitator link."))
    return html(render_partial("board/forms/own_link.html", facilitator_link=f"{base_url(request)}/f/{workshop.facilitator_token}"))


ROUTES = [
    own_link, set_joining, set_locked, set_phase_locked, set_focus, timer, set_private_writing, reveal, set_anonymity, rename,
    set_closed, hide_card, bin_list, restore_card, participants, remove_participant, links, create_link, revoke_link,
]
