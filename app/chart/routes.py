"""The praatplaat: adapting the chart, linking cards to its steps, walking a case.

Each change reads top to bottom like the board's: who is asking (a member; an editor
of the chart as the workshop's setting says; the facilitator for the setting and the
walk), validate and write (service), then `board_change` commits, renders and
broadcasts, and the asker gets the same fragments.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import fragments as board_fragments, service as board_service
from app.chart import fragments, service
from app.models import Participant, Workshop
from app.realtime import BoardChange, board_change
from app.responses import CARD_SAVED, DIALOG_DONE, html
from app.security import require_facilitator, require_member
from app.templating import environment, render_block


async def require_chart_editor(request: Request, session: AsyncSession, slug: str) -> tuple[Workshop, Participant]:
    """A member who may change the chart now: the facilitator, or everyone if the setting says so."""
    workshop, member = await require_member(request, session, slug)
    service.check_can_edit(workshop, member)
    return workshop, member


def _form(block: str, **context) -> Response:
    return html(render_block(environment(), "chart.html", block, **context))


# -- forms (fetched into the dialog) ------------------------------------------------------------


@get("/w/{slug:str}/chart/levels/{level_id:int}/edit")
async def level_form(request: Request, db_session: AsyncSession, slug: str, level_id: int) -> Response:
    workshop, _member = await require_chart_editor(request, db_session, slug)
    level = await service.get_level(db_session, workshop, level_id)
    return _form("level_form", workshop=workshop, level=level)


@get("/w/{slug:str}/chart/levels/{level_id:int}/new-step")
async def new_step_form(request: Request, db_session: AsyncSession, slug: str, level_id: int) -> Response:
    workshop, _member = await require_chart_editor(request, db_session, slug)
    level = await service.get_level(db_session, workshop, level_id)
    chart = await service.load_chart(db_session, workshop)
    return _form("new_step_form", workshop=workshop, level=level, chart=chart)


@get("/w/{slug:str}/chart/steps/{step_id:int}/edit")
async def step_form(request: Request, db_session: AsyncSession, slug: str, step_id: int) -> Response:
    workshop, _member = await require_chart_editor(request, db_session, slug)
    step = await service.get_step(db_session, workshop, step_id)
    chart = await service.load_chart(db_session, workshop)
    return _form("step_form", workshop=workshop, step=step, chart=chart)


# -- levels -------------------------------------------------------------------------------------


@post("/w/{slug:str}/chart/levels")
async def add_level(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.add_level(db_session, workshop, member, form.get("name"))
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


@post("/w/{slug:str}/chart/levels/{level_id:int}")
async def update_level(request: Request, db_session: AsyncSession, slug: str, level_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        level = await service.update_level(db_session, workshop, member, level_id, form.get("name"), form.get("roles"))
        # Chips on cards name the level of their steps.
        cards = await service.linked_card_ids(db_session, await service.step_ids_in(db_session, level.id))
        change.add(fragments.whole_chart(workshop), fragments.cards(workshop, cards))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/chart/levels/{level_id:int}/delete")
async def delete_level(request: Request, db_session: AsyncSession, slug: str, level_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.delete_level(db_session, workshop, member, level_id)
        change.add(fragments.whole_chart(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


# -- steps --------------------------------------------------------------------------------------


@post("/w/{slug:str}/chart/steps")
async def add_step(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.add_step(db_session, workshop, member, form.get("level_id"), form.get("text"), form.get("kind"),
                               after=form.get("after"))
        change.add(fragments.whole_chart(workshop))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/chart/steps/{step_id:int}")
async def update_step(request: Request, db_session: AsyncSession, slug: str, step_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        step = await service.update_step(db_session, workshop, member, step_id, form.get("text"), form.get("kind"), form.get("level_id"))
        change.add(fragments.whole_chart(workshop), fragments.cards(workshop, await service.linked_card_ids(db_session, [step.id])))
    return html(change.render(), trigger=DIALOG_DONE)


@post("/w/{slug:str}/chart/steps/{step_id:int}/delete")
async def delete_step(request: Request, db_session: AsyncSession, slug: str, step_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        cards = await service.delete_step(db_session, workshop, member, step_id)
        change.add(fragments.whole_chart(workshop), fragments.cards(workshop, cards))
    return html(change.render(), trigger=DIALOG_DONE)


# -- arrows (edited in the step's form, which stays open) ---------------------------------------


async def _arrow_answer(session: AsyncSession, workshop: Workshop, change: BoardChange, step_id: int) -> Response:
    """The broadcast fragments, plus the step form's list of arrows for the asker's open dialog."""
    step = await service.get_step(session, workshop, step_id)
    chart = await service.load_chart(session, workshop)
    arrows = render_block(environment(), "chart.html", "step_arrows", oob=True, workshop=workshop, step=step, chart=chart)
    return html(change.render() + arrows)


@post("/w/{slug:str}/chart/arrows")
async def add_arrow(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        arrow = await service.add_arrow(db_session, workshop, member, form.get("source_id"), form.get("target_id"), form.get("label"))
        change.add(fragments.whole_chart(workshop))
    return await _arrow_answer(db_session, workshop, change, arrow.source_id)


@post("/w/{slug:str}/chart/arrows/{arrow_id:int}")
async def update_arrow(request: Request, db_session: AsyncSession, slug: str, arrow_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        arrow = await service.update_arrow(db_session, workshop, member, arrow_id, form.get("target_id"), form.get("label"))
        change.add(fragments.whole_chart(workshop))
    return await _arrow_answer(db_session, workshop, change, arrow.source_id)


@post("/w/{slug:str}/chart/arrows/{arrow_id:int}/delete")
async def delete_arrow(request: Request, db_session: AsyncSession, slug: str, arrow_id: int) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        arrow = await service.delete_arrow(db_session, workshop, member, arrow_id)
        change.add(fragments.whole_chart(workshop))
    return await _arrow_answer(db_session, workshop, change, arrow.source_id)


@post("/w/{slug:str}/chart/default")
async def insert_default(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_chart_editor(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.insert_default(db_session, workshop, member)
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


# -- the setting: who may change the chart (facilitator) ----------------------------------------


@post("/w/{slug:str}/chart/editing")
async def set_editing(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.set_editing(db_session, workshop, member, form.get("mode"))
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


# -- walking a case (facilitator leads, every screen follows) -----------------------------------


@post("/w/{slug:str}/chart/walk/start")
async def walk_start(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.walk_start(db_session, workshop, member, form.get("step_id"))
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


@post("/w/{slug:str}/chart/walk/next")
async def walk_next(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.walk_next(db_session, workshop, member, form.get("step_id"))
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


@post("/w/{slug:str}/chart/walk/back")
async def walk_back(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.walk_back(db_session, workshop, member)
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


@post("/w/{slug:str}/chart/walk/stop")
async def walk_stop(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await require_facilitator(request, db_session, slug)
    async with board_change(request, db_session, workshop) as change:
        await service.walk_stop(db_session, workshop, member)
        change.add(fragments.whole_chart(workshop))
    return html(change.render())


# -- cards and steps (every member, like cards) -------------------------------------------------


@post("/w/{slug:str}/cards/{card_id:int}/steps")
async def link_card(request: Request, db_session: AsyncSession, slug: str, card_id: int) -> Response:
    """Link a card to a step (`linked=1`) or unlink it (`linked=0`)."""
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        card = await service.link_card(db_session, workshop, member, card_id, form.get("step_id"), form.get("linked") == "1")
        change.add(fragments.cards(workshop, [card.id]), fragments.counts(workshop))
    return html(change.render())


@post("/w/{slug:str}/chart/steps/{step_id:int}/cards")
async def add_card_at_step(request: Request, db_session: AsyncSession, slug: str, step_id: int) -> Response:
    """A card on the blueprint, straight from a step of the chart (and linked to it)."""
    workshop, member = await require_member(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        step = await service.get_step(db_session, workshop, step_id)
        card = await board_service.add_card(
            db_session, request.app.state.settings, workshop, member, form.get("phase_id"), form.get("lane_id"), form.get("text")
        )
        await service.link_card(db_session, workshop, member, card.id, step.id, True)
        change.add(board_fragments.cell(workshop, card.phase_id, card.lane_id), fragments.counts(workshop))
    return html(change.render(), trigger=CARD_SAVED)


ROUTES = [
    level_form, new_step_form, step_form, add_level, update_level, delete_level,
    add_step, update_step, delete_step, add_arrow, update_arrow, delete_arrow, insert_default,
    set_editing, walk_start, walk_next, walk_back, walk_stop, link_card, add_card_at_step,
]
