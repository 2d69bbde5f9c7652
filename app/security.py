"""The participant's credentials: the cookie of a workshop, the CSRF token bound to it, and the
instance's access code. Who may call which route is decided in app/access.py."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from app.config import Settings
from app.errors import Forbidden
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.ratelimit import client_address

MEMBER_COOKIE_MAX_AGE = 60 * 60 * 24 * 180
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def member_cookie(slug: str) -> str:
    """One cookie per workshop: a browser can be in several workshops at once."""
    return f"zl_m_{slug}"


def member_cookie_for(workshop: Workshop, member: Participant, settings: Settings) -> Cookie:
    return Cookie(
        key=member_cookie(workshop.slug), value=member.token, path="/", httponly=True, samesite="lax",
        secure=settings.secure_cookies, max_age=MEMBER_COOKIE_MAX_AGE,
    )


def member_token(connection: ASGIConnection, slug: str) -> str | None:
    """This browser's participant token for the workshop `slug`, if it has one."""
    return connection.cookies.get(member_cookie(slug))


MEMBER_CSRF_HEADER = "x-zl-csrf"
MEMBER_CSRF_FIELD = "_zl_csrf"


def member_csrf_token(request: ASGIConnection, member: Participant) -> str:
    """The CSRF token bound to one participant: an HMAC of their cookie's token with the app's secret.
    Litestar's own token only proves that cookie and header match, and a cookie can be planted (a
    sibling subdomain; anyone on the network while cookies are not `Secure`): this one cannot be
    made without the victim's participant token. The board page hands it to htmx."""
    secret = request.app.state.secret_key.encode()
    return hmac.new(secret, b"zl-member-csrf:" + member.token.encode(), hashlib.sha256).hexdigest()


async def check_member_csrf(connection: ASGIConnection, member: Participant) -> None:
    """A change must carry the CSRF token of the participant whose cookie it has (header or form field)."""
    request = connection if isinstance(connection, Request) else Request(connection.scope, connection.receive)
    presented = request.headers.get(MEMBER_CSRF_HEADER)
    if presented is None and request.content_type[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(MEMBER_CSRF_FIELD)  # a plain form; Litestar keeps the parsed form
        presented = value if isinstance(value, str) else None
    if not presented or not hmac.compare_digest(presented.encode(), member_csrf_token(request, member).encode()):
        raise Forbidden(_("This page is out of date. Reload it and try again."))


def check_access_code(request: Request, typed: object) -> None:
    """The instance access code (`ACCESS_CODE`), for everything that starts a workshop (creating one,
    importing a file): compared in constant time, wrong attempts rate-limited. No code set: open."""
    expected = request.app.state.settings.access_code.encode()
    if not expected:
        return
    guard = request.app.state.limits.access_code
    client = client_address(request)
    guard.check(client)
    if not secrets.compare_digest((typed if isinstance(typed, str) else "").strip().encode(), expected):
        guard.failed(client)
        raise Forbidden(_("This access code is not right. Ask who manages Zichtlijn in your organisation for the code."))


def with_member_cookie(response: Response, workshop: Workshop, member: Participant, settings: Settings) -> Response:
    response.set_cookie(member_cookie_for(workshop, member, settings))
    return response
