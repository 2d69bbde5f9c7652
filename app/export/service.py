"""Who may export, and the facilitator's switch that lets participants export too."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.live.events import record
from app.models import Participant, Workshop


def may_export(workshop: Workshop, member: Participant) -> bool:
    return member.is_facilitator or workshop.export_allowed_for_participants


async def allow_participants(session: AsyncSession, workshop: Workshop, actor: Participant, allowed: bool) -> None:
    if workshop.export_allowed_for_participants == allowed:
        return
    workshop.export_allowed_for_participants = allowed
    await record(session, workshop, "export.allowed", {"participants": allowed}, actor)
