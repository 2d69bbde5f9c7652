"""Who may export, and the facilitator's switch that lets participants export too."""

from __future__ import annotations

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import record
from app.errors import Forbidden
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.security import require_member


def may_export(workshop: Workshop, member: Participant) -> bool:
    return member.is_facilitator or workshop.export_allowed_for_participants


async def require_exporter(request: Request, session: AsyncSession, slug: str) -> tuple[Workshop, Participant]:
    """A member who may export: the facilitator, or anyone once the facilitator allows it."""
    workshop, member = await require_member(request, session, slug)
    if not may_export(workshop, member):
        raise Forbidden(_("Only the facilitator can export this workshop, unless they allow participants to."))
    return workshop, member


async def allow_participants(session: AsyncSession, workshop: Workshop, actor: Participant, allowed: bool) -> None:
    if workshop.export_allowed_for_participants == allowed:
        return
    workshop.export_allowed_for_participants = allowed
    await record(session, workshop, "export.allowed", {"participants": allowed}, actor)
