"""Home, creating a workshop, capability links (join, facilitator), join code, QR, language."""

from __future__ import annotations

import io
import logging
from typing import Annotated

import segno
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import Parameter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.access import requires_facilitator, requires_member
from app.config import Settings
from app.errors import NotFound, UserError
from app.forms import Form, form
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.ratelimit import client_address
from app.live.change import board_change
from app.retention import erase
from app.responses import is_htmx, join_url, page, redirect
from app.security import check_access_code, member_cookie, member_token, with_member_cookie
from app.workshops import service


@get("/", name="home")
async def home(request: Request, deleted: Annotated[str | None, Parameter(query="deleted")] = None) -> Response:
    return page("home.html", title_value="", code_value="", deleted=deleted == "1",
                access_code_required=bool(request.app.state.settings.access_code))


class NewWorkshop(Form):
    title: str = ""
    language: str = ""  # empty: the language the page is shown in
    name: str = ""  # the facilitator's own name (optional)
    access_code: str = ""  # the instance's access code, when it has one


class Joining(Form):
    name: str = ""
    role: str = ""


class Code(Form):
    code: str = ""


class Confirm(Form):
    confirm: bool = False


@post("/workshops", dependencies=form(NewWorkshop))
async def create_workshop(request: Request, db_session: AsyncSession, settings: Settings, form: NewWorkshop) -> Response:
    check_access_code(request, form.access_code)
    async with request.app.state.db.writing(db_session):
        workshop, facilitator = await service.create_workshop(
            db_session, settings, form.title, form.language or i18n.current_locale(), form.name
        )
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, facilitator, settings)


@post("/code", dependencies=form(Code))
async def join_by_code(request: Request, db_session: AsyncSession, form: Code) -> Response:
    """A short code typed by hand: wrong codes are counted per client and in all, against guessing."""
    guard = request.app.state.limits.join_code
    client = client_address(request)
    guard.check(client)
    try:
        workshop = await service.workshop_by_code(db_session, form.code)
    except NotFound:
        guard.failed(client)
        raise
    return redirect(request, f"/j/{workshop.join_token}")


@get("/j/{token:str}")
async def join_page(request: Request, db_session: AsyncSession, token: str) -> Response:
    workshop = await service.workshop_by_join_token(db_session, token)
    _, member = await service.workshop_and_member(db_session, workshop.slug, member_token(request, workshop.slug))
    if member is not None:
        return redirect(request, f"/w/{workshop.slug}")
    if await service.was_removed(db_session, workshop, member_token(request, workshop.slug)):
        return page("removed.html", status_code=403, workshop=workshop)
    if not workshop.joining_open:
        # Said before anyone types a name.
        return page("join_closed.html", status_code=403, workshop=workshop)
    return page("join.html", workshop=workshop, token=token, name_value="", role_value="")


@post("/j/{token:str}", dependencies=form(Joining))
async def join(request: Request, db_session: AsyncSession, settings: Settings, token: str, form: Joining) -> Response:
    workshop = await service.workshop_by_join_token(db_session, token)
    if await service.was_removed(db_session, workshop, member_token(request, workshop.slug)):
        return page("removed.html", status_code=403, workshop=workshop)
    async with request.app.state.db.writing(db_session):
        member = await service.join(db_session, settings, workshop, form.name, form.role)
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, member, settings)


@get("/f/{token:str}")
async def facilitator_link(request: Request, db_session: AsyncSession, token: str) -> Response:
    """The secret facilitator link: from any browser, back into the facilitator role."""
    workshop, link = await service.workshop_by_facilitator_token(db_session, token)
    _, member = await service.workshop_and_member(db_session, workshop.slug, member_token(request, workshop.slug))
    if member is not None and member.is_facilitator:
        return redirect(request, f"/w/{workshop.slug}")
    async with request.app.state.db.writing(db_session):
        member = await service.add_facilitator(db_session, workshop, link=link)
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, member, request.app.state.settings)


@get("/w/{slug:str}/qr.svg", media_type="image/svg+xml", guards=[requires_member])
async def join_qr(request: Request, workshop: Workshop) -> Response:
    qr = segno.make(join_url(request, workshop.join_token), error="m")
    buf = io.BytesIO()
    # A standalone SVG (with its namespace) for <img>; white background for phones' dark mode.
    qr.save(buf, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False, omitsize=True)
    # no-cache: after the facilitator resets the join link, the old code must not linger in a cache.
    return Response(buf.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, no-cache"})


class WorkshopAdmin(Controller):
    """The workshop's own lifetime: a new join link, deletion (facilitator)."""

    path = "/w/{slug:str}"
    guards = [requires_facilitator]

    @post("/settings/join-link")
    async def reset_join_link(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant) -> Response:
        """New join link and code; the old ones stop working. The page reloads to show the new ones."""
        async with board_change(request, db_session, workshop, allow_closed=True):
            await service.reset_join_link(db_session, workshop, member)
        if is_htmx(request):
            return Response("", status_code=200, headers={"HX-Refresh": "true"})
        return redirect(request, f"/w/{workshop.slug}")

    @post("/delete", dependencies=form(Confirm))
    async def delete(self, request: Request, db_session: AsyncSession, settings: Settings, workshop: Workshop,
                     form: Confirm) -> Response:
        """The workshop and everything in it, at once; the facilitator ticked the box to confirm."""
        if not form.confirm:
            raise UserError(_("Tick the box to confirm that the workshop and everything in it will be deleted."))
        # Deleting the row waits for the board's row lock: no change of this board is half-way while it goes.
        await erase(request.app.state.db, settings, workshop.id, release=db_session)
        await request.app.state.hub.workshop_deleted(workshop.id)
        response = redirect(request, "/?deleted=1")
        response.delete_cookie(member_cookie(workshop.slug), path="/")
        return response


@get("/lang/{lang:str}")
async def choose_language(
    request: Request, lang: str, next_path: Annotated[str | None, Parameter(query="next")] = None
) -> Response:
    """The user's own choice of UI language, remembered in a cookie."""
    target = next_path if next_path and next_path.startswith("/") and not next_path.startswith("//") else "/"
    response = redirect(request, target)
    if lang in i18n.LANGUAGES:
        response.set_cookie(Cookie(key=i18n.LANG_COOKIE, value=lang, path="/", max_age=60 * 60 * 24 * 365,
                                   samesite="lax", httponly=True, secure=request.app.state.settings.secure_cookies))
    return response


@get("/healthz", media_type=MediaType.JSON)
async def healthz(request: Request, db_session: AsyncSession) -> Response:
    """Liveness: 200 while this process and its database answer (503 otherwise), so a
    supervisor restarts only a process that is itself broken. The broker is reported:
    without it edits still work; live updates between processes are late (degraded)."""
    database = await _database_up(db_session)
    broker = await request.app.state.hub.broker_ready()
    status = "ok" if database and broker else ("degraded" if database else "unavailable")
    return Response({"status": status, "database": _up(database), "broker": _up(broker)},
                    status_code=200 if database else 503)


@get("/readyz", media_type=MediaType.JSON)
async def readyz(request: Request, db_session: AsyncSession) -> Response:
    """Readiness: 200 only when the database and the broker both answer (the broker by a
    message sent through it to this process), so a load balancer sends traffic here."""
    database = await _database_up(db_session)
    broker = await request.app.state.hub.broker_ready()
    ready = database and broker
    return Response({"status": "ready" if ready else "unavailable", "database": _up(database), "broker": _up(broker)},
                    status_code=200 if ready else 503)


def _up(ok: bool) -> str:
    return "up" if ok else "down"


async def _database_up(session: AsyncSession) -> bool:
    try:
        await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        logging.getLogger("zichtlijn").exception("health check failed")
        return False
    return True


ROUTES = [home, create_workshop, join_by_code, join_page, join, facilitator_link, join_qr, WorkshopAdmin,
          choose_language, healthz, readyz]
