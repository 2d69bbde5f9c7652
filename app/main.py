"""The only wiring: `create_app(settings)` builds the Litestar app."""

from __future__ import annotations

import gc
import logging
import secrets

from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders, State
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.assets import script_module
from app.board.routes import ROUTES as BOARD_ROUTES
from app.export.jobs import PdfJobs
from app.export.routes import ROUTES as EXPORT_ROUTES
from app.tags.routes import ROUTES as TAG_ROUTES
from app.votes.routes import ROUTES as VOTE_ROUTES
from app.facilitation.routes import ROUTES as FACILITATION_ROUTES
from app.history.routes import ROUTES as HISTORY_ROUTES
from app.chart.routes import ROUTES as CHART_ROUTES
from app.config import Settings
from app.access import provide_member, provide_workshop
from app.db import Database, close_request_sessions, request_session
from app.errors import UserError
from app.i18n import gettext as _
from app.privacy.routes import privacy_page
from app.ratelimit import Limits
from app.live.hub import Hub
from app.live.socket import board_socket
from app.retention import RetentionTask
from app.responses import user_error_response
from app.templating import STATIC_DIR, environment
from app.workshops.routes import ROUTES as WORKSHOP_ROUTES

log = logging.getLogger("zichtlijn")

# No inline script anywhere, and nothing from another host (GDPR: no CDN, no fonts, no analytics).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # capability tokens in URLs never leave in a Referer
    "X-Frame-Options": "DENY",
}


async def security_headers(message: Message, scope: Scope) -> None:
    """On every HTTP answer, error pages and static files included: a hook on the app's own
    `send`, because `response_headers` skips answers made by exception handlers."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value


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


def provide_db_session(request: Request) -> AsyncSession:
    return request_session(request)


def provide_settings(request: Request) -> Settings:
    return request.app.state.settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings)
    hub = Hub(settings, db)
    exports = PdfJobs(settings)
    limits = Limits.from_settings(settings)

    async def workshops_deleted(ids: list[int]) -> None:
        for workshop_id in ids:
            await hub.workshop_deleted(workshop_id)

    retention = RetentionTask(db, settings, on_deleted=workshops_deleted)

    async def on_startup(app: Litestar) -> None:
        if settings.auto_migrate:
            await db.migrate()
        await hub.start()
        await retention.start()
        exports.warm()  # a PDF worker with WeasyPrint loaded before the first click
        # What exists now (modules, mappers, templates) lives as long as the process: keep it out
        # of the garbage collector's full passes, which otherwise walk it all and held the event
        # loop for up to ~360 ms at 1,000 sockets. And collect less often (most garbage goes by
        # reference counting): fewer objects reach the oldest generation, so full passes are rarer.
        # The price: cyclic garbage (closed sockets) waits longer for its pass (docs/perf/README.md).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 10)

    async def on_shutdown(app: Litestar) -> None:
        try:
            await exports.close()
            await retention.stop()
            await hub.stop()
        finally:
            await db.dispose()

    def handle_user_error(request: Request, exc: UserError) -> Response:
        return user_error_response(request, exc)

    def handle_forbidden(request: Request, exc: PermissionDeniedException) -> Response:
        # Raised by the CSRF check (no or a wrong token): say what to do, in the user's language.
        return user_error_response(request, UserError(_("This page is out of date. Reload it and try again."), 403))

    secret_key = _secret_key(settings)
    return Litestar(
        route_handlers=[
            *WORKSHOP_ROUTES, privacy_page, script_module, *BOARD_ROUTES, *TAG_ROUTES, *VOTE_ROUTES, *FACILITATION_ROUTES, *HISTORY_ROUTES, *CHART_ROUTES, *EXPORT_ROUTES, board_socket,
            # Every static URL carries a content hash (templating.static_url): cache it for a year.
            create_static_files_router(path="/static", directories=[STATIC_DIR], send_as_attachment=False,
                                       cache_control=CacheControlHeader(max_age=31_536_000, public=True),
                                       include_in_schema=False),
        ],
        # The request's session, and who is asking (read by the controllers' guards: app/access.py).
        dependencies={"db_session": Provide(provide_db_session, sync_to_thread=False),
                      "settings": Provide(provide_settings, sync_to_thread=False),
                      "workshop": Provide(provide_workshop), "member": Provide(provide_member)},
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        # Hospital Wi-Fi: pages and fragments are repetitive HTML; gzip shrinks them several times.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        csrf_config=CSRFConfig(secret=secret_key, cookie_secure=settings.secure_cookies,
                               cookie_samesite="lax", cookie_httponly=True),
        exception_handlers={UserError: handle_user_error, PermissionDeniedException: handle_forbidden},
        middleware=[close_request_sessions, locale_middleware],
        before_send=[security_headers],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings, "db": db, "hub": hub, "exports": exports, "limits": limits,
                     "secret_key": secret_key}),
        debug=settings.debug,
        openapi_config=None,
    )
