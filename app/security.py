"""Who is asking: the participant cookie of a workshop, and role checks."""

from __future__ import annotations

from litestar import Request, Response
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import Forbidden
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.ratelimit import too_fast
from app.workshops import service

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


async def current_member(request: Request, session: AsyncSession, slug: str) -> tuple[Workshop, Participant | None]:
    return await service.workshop_and_member(session, slug, request.cookies.get(member_cookie(slug)))


async def removed_here(request: Request, session: AsyncSession, workshop: Workshop) -> bool:
    """This browser's participant was removed from the workshop."""
    return await service.was_removed(session, workshop, request.cookies.get(member_cookie(workshop.slug)))


async def require_member(request: Request, session: AsyncSession, slug: str) -> tuple[Workshop, Participant]:
    workshop, member = await current_member(request, session, slug)
    if member is None:
        raise Forbidden(_("You are not (or no longer) part of this workshop. Join again with the link or code."))
    # Every change is someone's: a flood from one participant is refused here, before any work.
    if request.method not in SAFE_METHODS and not request.app.state.limits.mutations.allow(member.id):
        raise too_fast()
    return workshop, member


async def require_facilitator(request: Request, session: AsyncSession, slug: str) -> tuple[Workshop, Participant]:
    workshop, member = await require_member(request, session, slug)
    if not member.is_facilitator:
        raise Forbidden(_("Only the facilitator can do this."))
    return workshop, member


def with_member_cookie(response: Response, workshop: Workshop, member: Participant, settings: Settings) -> Response:
    response.set_cookie(member_cookie_for(workshop, member, settings))
    return response
