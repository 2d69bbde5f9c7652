"""The privacy page: for the organisation's privacy officer, what is stored, where, for how long."""

from __future__ import annotations

from litestar import Request, Response, get

from app.responses import page


@get("/privacy")
async def privacy_page(request: Request) -> Response:
    settings = request.app.state.settings
    return page("privacy.html", retention_days=settings.retention_days, sqlite=settings.is_sqlite)
