"""The praatplaat: adapting the chart (its editors: the facilitator, or everyone as the workshop's
setting says), the setting and walking a case (facilitator), linking cards to steps (any member).

Each change reads like the board's: the guard, the typed form, the service, then `board_change`
commits, renders and broadcasts, and the asker gets the same fragments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import requires_chart_editor, requires_facilitator, requires_member
from app.board import fragments as board_fragments, service as board_service
from app.chart import fragments, service
from app.config import Settings
from app.forms import Form, form
from app.models import ChartArrow, Participant, Workshop
from app.live.change import board_change
from app.responses import CARD_SAVED, DIALOG_DONE, html
from app.templating import environment, render_block


class Named(Form):
    name: str = ""


class LevelEdit(Form):
    name: str = ""
    roles: str = ""


class NewStep(Form):
    level_id: int
    text: str = ""
    kind: str = ""
    after: int | None = None  # a step the new one follows: an arrow from it is drawn too


class StepEdit(Form):
    text: str = ""
    kind: str = ""
    level_id: int | None = None  # another level: the step moves there


class NewArrow(Form):
    source_id: int
    target_id: int
    label: str = ""


class ArrowEdit(Form):
    target_id: int
    label: str = ""


class Editing(Form):
    mode: str = ""  # facilitator | everyone


class WalkStep(Form):
    step_id: int


class CardAtStep(Form):
    phase_id: int
    lane_id: int
    text: str = ""


class StepLink(Form):
    step_id: int
    linked: bool = False  # True: link the card to the step; False: unlink it


def _block(block: str, **context) -> Response:
    return html(render_block(environment(), "chart.html", block, **context))


async def _redraw(request: Request, session: AsyncSession, workshop: Workshop, write: Callable[[], Awaitable[object]],
                  dialog: bool = False) -> Response:
    """Apply a change of the chart (`write`: the service call) and redraw the chart; `dialog`: the
    change came from a dialog, which closes."""
    async with board_change(request, session, workshop) as change:
        await write()
        change.add(fragments.whole_chart(workshop))
    return html(change.render(), trigger=DIALOG_DONE if dialog else None)


class ChartEditing(Controller):
    """The chart's levels, steps and arrows, and the default chart of the seed."""

    path = "/w/{slug:str}/chart"
    guards = [requires_chart_editor]

    @get("/levels/{level_id:int}/edit")
    async def level_form(self, db_session: AsyncSession, workshop: Workshop, level_id: int) -> Response:
        return _block("level_form", workshop=workshop, level=await service.get_level(db_session, workshop, level_id))

    @get("/levels/{level_id:int}/new-step")
    async def new_step_form(self, db_session: AsyncSession, workshop: Workshop, level_id: int) -> Response:
        level = await service.get_level(db_session, workshop, level_id)
        return _block("new_step_form", workshop=workshop, level=level, chart=await service.load_chart(db_session, workshop))

    @get("/steps/{step_id:int}/edit")
    async def step_form(self, db_session: AsyncSession, workshop: Workshop, step_id: int) -> Response:
        step = await service.get_step(db_session, workshop, step_id)
        return _block("step_form", workshop=workshop, step=step, chart=await service.load_chart(db_session, workshop))

    @post("/levels", dependencies=form(Named))
    async def add_level(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        form: Named) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.add_level(db_session, workshop, member, form.name))

    @post("/levels/{level_id:int}", dependencies=form(LevelEdit))
    async def update_level(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           level_id: int, form: LevelEdit) -> Response:
        async with board_change(request, db_session, workshop) as change:
            level = await service.update_level(db_session, workshop, member, level_id, form.name, form.roles)
            # Chips on cards name the level of their steps.
            cards = await service.linked_card_ids(db_session, await service.step_ids_in(db_session, level.id))
            change.add(fragments.whole_chart(workshop), fragments.cards(workshop, cards))
        return html(change.render(), trigger=DIALOG_DONE)

    @post("/levels/{level_id:int}/delete")
    async def delete_level(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           level_id: int) -> Response:
        return await _redraw(request, db_session, workshop,
                             lambda: service.delete_level(db_session, workshop, member, level_id), dialog=True)

    @post("/steps", dependencies=form(NewStep))
    async def add_step(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                       form: NewStep) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.add_step(
            db_session, workshop, member, form.level_id, form.text, form.kind, after=form.after), dialog=True)

    @post("/steps/{step_id:int}", dependencies=form(StepEdit))
    async def update_step(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          step_id: int, form: StepEdit) -> Response:
        async with board_change(request, db_session, workshop) as change:
            step = await service.update_step(db_session, workshop, member, step_id, form.text, form.kind, form.level_id)
            change.add(fragments.whole_chart(workshop), fragments.cards(workshop, await service.linked_card_ids(db_session, [step.id])))
        return html(change.render(), trigger=DIALOG_DONE)

    @post("/steps/{step_id:int}/delete")
    async def delete_step(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          step_id: int) -> Response:
        async with board_change(request, db_session, workshop) as change:
            cards = await service.delete_step(db_session, workshop, member, step_id)
            change.add(fragments.whole_chart(workshop), fragments.cards(workshop, cards))
        return html(change.render(), trigger=DIALOG_DONE)

    # Arrows are edited in the step's form, which stays open: the answer carries its list of arrows.

    @post("/arrows", dependencies=form(NewArrow))
    async def add_arrow(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        form: NewArrow) -> Response:
        return await _arrows(request, db_session, workshop,
                             lambda: service.add_arrow(db_session, workshop, member, form.source_id, form.target_id, form.label))

    @post("/arrows/{arrow_id:int}", dependencies=form(ArrowEdit))
    async def update_arrow(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           arrow_id: int, form: ArrowEdit) -> Response:
        return await _arrows(request, db_session, workshop,
                             lambda: service.update_arrow(db_session, workshop, member, arrow_id, form.target_id, form.label))

    @post("/arrows/{arrow_id:int}/delete")
    async def delete_arrow(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                           arrow_id: int) -> Response:
        return await _arrows(request, db_session, workshop, lambda: service.delete_arrow(db_session, workshop, member, arrow_id))

    @post("/default")
    async def insert_default(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.insert_default(db_session, workshop, member))


async def _arrows(request: Request, session: AsyncSession, workshop: Workshop, write: Callable[[], Awaitable[ChartArrow]]) -> Response:
    """An arrow changed (`write`): the chart for everyone, plus the step form's list of arrows for the asker's open dialog."""
    async with board_change(request, session, workshop) as change:
        arrow = await write()
        change.add(fragments.whole_chart(workshop))
    step = await service.get_step(session, workshop, arrow.source_id)
    chart = await service.load_chart(session, workshop)
    arrows = render_block(environment(), "chart.html", "step_arrows", oob=True, workshop=workshop, step=step, chart=chart)
    return html(change.render() + arrows)


class ChartLead(Controller):
    """Who may change the chart, and walking a case through it: the facilitator leads, every screen follows."""

    path = "/w/{slug:str}/chart"
    guards = [requires_facilitator]

    @post("/editing", dependencies=form(Editing))
    async def set_editing(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                          form: Editing) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.set_editing(db_session, workshop, member, form.mode))

    @post("/walk/start", dependencies=form(WalkStep))
    async def walk_start(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                         form: WalkStep) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.walk_start(db_session, workshop, member, form.step_id))

    @post("/walk/next", dependencies=form(WalkStep))
    async def walk_next(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        form: WalkStep) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.walk_next(db_session, workshop, member, form.step_id))

    @post("/walk/back")
    async def walk_back(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.walk_back(db_session, workshop, member))

    @post("/walk/stop")
    async def walk_stop(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        return await _redraw(request, db_session, workshop, lambda: service.walk_stop(db_session, workshop, member))


class ChartCards(Controller):
    """Cards and steps: every member links them, as they write cards."""

    path = "/w/{slug:str}"
    guards = [requires_member]

    @post("/cards/{card_id:int}/steps", dependencies=form(StepLink))
    async def link_card(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                        card_id: int, form: StepLink) -> Response:
        async with board_change(request, db_session, workshop) as change:
            card = await service.link_card(db_session, workshop, member, card_id, form.step_id, form.linked)
            change.add(fragments.cards(workshop, [card.id]), fragments.counts(workshop))
        return html(change.render())

    @post("/chart/steps/{step_id:int}/cards", dependencies=form(CardAtStep))
    async def add_card_at_step(self, request: Request, db_session: AsyncSession, settings: Settings, workshop: Workshop,
                               member: Participant, step_id: int, form: CardAtStep) -> Response:
        """A card on the blueprint, straight from a step of the chart (and linked to it)."""
        async with board_change(request, db_session, workshop) as change:
            step = await service.get_step(db_session, workshop, step_id)
            card = await board_service.add_card(db_session, settings, workshop, member, form.phase_id, form.lane_id, form.text)
            await service.link_card(db_session, workshop, member, card.id, step.id, True)
            change.add(board_fragments.cell(workshop, card.phase_id, card.lane_id), fragments.counts(workshop))
        return html(change.render(), trigger=CARD_SAVED)


ROUTES = [ChartEditing, ChartLead, ChartCards]
