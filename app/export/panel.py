"""The export panel of the board page: a broadcast fragment (who may export changes live)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Workshop
from app.live.fragments import Loader, Render, fragment
from app.templating import environment, render_block

TEMPLATE = "export_panel.html"


def render(workshop: Workshop) -> str:
    return render_block(environment(), TEMPLATE, "export_panel", workshop=workshop, oob=True)


@fragment("export_panel")
def panel(workshop: Workshop) -> Loader:
    async def load(session: AsyncSession) -> Render:
        return lambda: render(workshop)

    return load


def status(workshop: Workshop, job: str = "", state: str = "", reason: str = "") -> str:
    """The asker's own PDF job (never broadcast): under way (it polls itself), ready, or failed."""
    return render_block(environment(), TEMPLATE, "pdf_status", workshop=workshop, job=job, state=state, reason=reason)
