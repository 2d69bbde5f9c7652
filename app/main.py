"""The only wiring: `create_app(settings)` builds the Litestar app."""

from __future__ import annotations

import logging
import secrets

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import ResponseHeader, State
from litestar.di import Provide
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.board.routes import ROUTES as BOARD_ROUTES
from app.config import Settings
from app.db import Database
from app.errors import UserError
from app.realtime import Hub, board_socket
from app.responses import user_error_response
from app.templating import STATIC_DIR, environment
from app.workshops import routes as workshop_routes

log = logging.getLogger("zichtlijn")

# No inline script anywhere, and nothing from another host (GDPR: no CDN, no fonts, no analytics).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _secret_key(settings: Settings) -> str:
    """Keep the CSRF secret across restarts of the embedded default (a file beside the database)."""
    import os

    if os.environ.get("SECRET_KEY") or not settings.is_sqlite:
        return settings.secret_key
    path = settings.sessions_dir / ".secret_key"
    try:
        return path.read_text().strip() or settings.secret_key
    except FileNotFoundError:
        key = secrets.token_hex(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
        return key


def locale_middleware(app: ASGIApp) -> ASGIApp:
    """Sets the UI language for the request: the user's choice (cookie), else Accept-Language."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            request: Request = Request(scope)
            i18n.set_locale(i18n.negotiate(request.headers.get("accept-language"), request.cookies.get(i18n.LANG_COOKIE)))
        await app(scope, receive, send)

    return middleware


async def provide_db_session(request: Request) -> AsyncSession:  # type: ignore[misc]
    async with request.app.state.db.session() as session:
        yield session


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings)
    hub = Hub(settings, db)

    async def on_startup(app: Litestar) -> None:
        if settings.auto_migrate:
            await db.migrate()
        await hub.start()

    async def on_shutdown(app: Litestar) -> None:
        try:
            await hub.stop()
        finally:
            await db.dispose()

    def handle_user_error(request: Request, exc: UserError) -> Response:
        return user_error_response(request, exc)

    return Litestar(
        route_handlers=[
            workshop_routes.home, workshop_routes.create_workshop, workshop_routes.join_by_code,
            workshop_routes.join_page, workshop_routes.join, workshop_routes.facilitator_link,
            workshop_routes.join_qr, workshop_routes.choose_language, workshop_routes.healthz,
            workshop_routes.readyz,
            *BOARD_ROUTES, board_socket,
            create_static_files_router(path="/static", directories=[STATIC_DIR], cache_control=None,
                                       send_as_attachment=False, include_in_schema=False),
        ],
        dependencies={"db_session": Provide(provide_db_session)},
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        csrf_config=CSRFConfig(secret=_secret_key(settings), cookie_secure=settings.secure_cookies,
                               cookie_samesite="lax", cookie_httponly=False),
        exception_handlers={UserError: handle_user_error},
        middleware=[locale_middleware],
        response_headers=[
            ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
            ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
            ResponseHeader(name="Referrer-Policy", value="no-referrer"),
            ResponseHeader(name="X-Frame-Options", value="DENY"),
        ],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings, "db": db, "hub": hub}),
        debug=settings.debug,
        openapi_config=None,
    )
