"""Home, creating a workshop, capability links (join, facilitator), join code, QR, language."""

from __future__ import annotations

import io
import logging
from typing import Annotated

import segno
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import Parameter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.responses import page, redirect
from app.security import current_member, with_member_cookie
from app.workshops import service


@get("/", name="home")
async def home(request: Request) -> Response:
    return page("home.html", title_value="", code_value="")


@post("/workshops")
async def create_workshop(request: Request, db_session: AsyncSession) -> Response:
    form = await request.form()
    settings = request.app.state.settings
    async with request.app.state.db.writing():
        workshop, facilitator = await service.create_workshop(
            db_session, settings, form.get("title"), form.get("language") or i18n.current_locale(), form.get("name")
        )
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, facilitator, settings)


@post("/code")
async def join_by_code(request: Request, db_session: AsyncSession) -> Response:
    form = await request.form()
    workshop = await service.workshop_by_code(db_session, form.get("code"))
    return redirect(request, f"/j/{workshop.join_token}")


@get("/j/{token:str}")
async def join_page(request: Request, db_session: AsyncSession, token: str) -> Response:
    workshop = await service.workshop_by_join_token(db_session, token)
    _, member = await current_member(request, db_session, workshop.slug)
    if member is not None:
        return redirect(request, f"/w/{workshop.slug}")
    return page("join.html", workshop=workshop, token=token, name_value="", role_value="")


@post("/j/{token:str}")
async def join(request: Request, db_session: AsyncSession, token: str) -> Response:
    form = await request.form()
    settings = request.app.state.settings
    workshop = await service.workshop_by_join_token(db_session, token)
    async with request.app.state.db.writing():
        member = await service.join(db_session, settings, workshop, form.get("name"), form.get("role"))
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, member, settings)


@get("/f/{token:str}")
async def facilitator_link(request: Request, db_session: AsyncSession, token: str) -> Response:
    """The secret facilitator link: from any browser, back into the facilitator role."""
    workshop = await service.workshop_by_facilitator_token(db_session, token)
    _, member = await current_member(request, db_session, workshop.slug)
    if member is not None and member.is_facilitator:
        return redirect(request, f"/w/{workshop.slug}")
    async with request.app.state.db.writing():
        member = await service.add_facilitator(db_session, workshop)
        await db_session.commit()
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, member, request.app.state.settings)


@get("/w/{slug:str}/qr.svg", media_type="image/svg+xml")
async def join_qr(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, member = await current_member(request, db_session, slug)
    if member is None:
        return Response("", status_code=403)
    qr = segno.make(join_url(request, workshop.join_token), error="m")
    buf = io.BytesIO()
    # A standalone SVG (with its namespace) for <img>; white background for phones' dark mode.
    qr.save(buf, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False, omitsize=True)
    return Response(buf.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


def base_url(request: Request) -> str:
    public = request.app.state.settings.public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


def join_url(request: Request, token: str) -> str:
    return f"{base_url(request)}/j/{token}"


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
