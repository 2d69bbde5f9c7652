"""Who may call a route: the one place that decides it.

Controllers under `/w/{slug}` declare a guard (`requires_member`, `requires_facilitator`,
`requires_chart_editor`, `requires_exporter`); Litestar runs it before the handler and its
dependencies. The guard reads who is asking once per request (one query, on the request's
session), and the handler then receives them as the dependencies `workshop` and `member`.
What the room allows at a given moment (a locked board, a closed session) is the room's rule,
checked by the services (app/facilitation/rules.py), whichever route asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from app.chart.service import can_edit
from app.db import request_session
from app.errors import Forbidden
from app.export.service import may_export
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.ratelimit import too_fast
from app.security import SAFE_METHODS, check_member_csrf, member_cookie
from app.workshops import service


@dataclass(frozen=True, slots=True)
class Asker:
    workshop: Workshop
    member: Participant | None


_ASKER = "zl_asker"
_CHECKED = "zl_member_checked"


async def asker(connection: ASGIConnection) -> Asker:
    """The workshop of the path's `slug` and this browser's participant in it (None: not a member)."""
    state = connection.scope.setdefault("state", {})
    found = state.get(_ASKER)
    if found is None:
        slug = connection.path_params["slug"]
        token = connection.cookies.get(member_cookie(slug))
        found = state[_ASKER] = Asker(*await service.workshop_and_member(request_session(connection), slug, token))
    return found


async def requires_member(connection: ASGIConnection, _handler: BaseRouteHandler | None = None) -> None:
    """A participant of the workshop. A change also carries their own CSRF token, and a flood from
    one participant is refused here, before any work (checked once per request)."""
    state = connection.scope.setdefault("state", {})
    member = (await asker(connection)).member
    if member is None:
        raise Forbidden(_("You are not (or no longer) part of this workshop. Join again with the link or code."))
    if state.get(_CHECKED) or connection.scope.get("method") in SAFE_METHODS:
        return
    await check_member_csrf(connection, member)
    if not connection.app.state.limits.mutations.allow(member.id):
        raise too_fast()
    state[_CHECKED] = True


async def requires_facilitator(connection: ASGIConnection, handler: BaseRouteHandler | None = None) -> None:
    await requires_member(connection, handler)
    if not (await asker(connection)).member.is_facilitator:
        raise Forbidden(_("Only the facilitator can do this."))


async def requires_chart_editor(connection: ASGIConnection, handler: BaseRouteHandler | None = None) -> None:
    """The facilitator, or every member when the workshop's setting lets everyone change the chart."""
    await requires_member(connection, handler)
    found = await asker(connection)
    if not can_edit(found.workshop, found.member):
        raise Forbidden(_("Only the facilitator can change the chart now."))


async def requires_exporter(connection: ASGIConnection, handler: BaseRouteHandler | None = None) -> None:
    """The facilitator, or every member once the facilitator allows participants to export."""
    await requires_member(connection, handler)
    found = await asker(connection)
    if not may_export(found.workshop, found.member):
        raise Forbidden(_("Only the facilitator can export this workshop, unless they allow participants to."))


# -- dependencies: what the guard found --------------------------------------------------------


async def provide_workshop(request: Request) -> Workshop:
    return (await asker(request)).workshop


async def provide_member(request: Request) -> Participant:
    """Only under a guard; without one, a request from a non-member is refused all the same."""
    member = (await asker(request)).member
    if member is None:
        raise Forbidden(_("You are not (or no longer) part of this workshop. Join again with the link or code."))
    return member
