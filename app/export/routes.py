"""Export (PDF, CSV, JSON), the blank template, and import of a workshop file.

Who may export: the facilitator, and participants once the facilitator allows it
(`requires_exporter`). The PDF is made by a worker process (app/export/jobs.py); the
asker's page polls a small status fragment.
"""

from __future__ import annotations

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import UserError
from app.access import requires_exporter, requires_facilitator, requires_member
from app.export import panel, service, workshop_file
from app.export.cards_csv import cards_csv
from app.export.jobs import RUNNING
from app.export.labels import content_disposition
from app.export.report import load_report, local_date
from app.export.service import may_export
from app.forms import Form, form
from app.i18n import current_locale, use_locale
from app.i18n import gettext as _
from app.models import Participant, Workshop
from app.live.change import board_change
from app.responses import html, is_htmx, page, redirect, user_error_response
from app.security import check_access_code, with_member_cookie

# Bodies above this are refused before they are read; the file limit itself is
# `Settings.max_import_bytes` (checked on the file, with a clearer message).
IMPORT_BODY_LIMIT = 20_000_000
# Exports hold names: never kept by a browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}


class ExportSettings(Form):
    participants: bool = False  # True: participants may export too; False: only the facilitator


def _download(body: bytes, media_type: str, disposition: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition, **PRIVATE})


class Exports(Controller):
    """The board as files: PDF, CSV and JSON, for those who may export."""

    path = "/w/{slug:str}"
    guards = [requires_exporter]

    @get("/export.csv")
    async def csv(self, db_session: AsyncSession, workshop: Workshop) -> Response:
        report = await load_report(db_session, workshop)
        return _download(cards_csv(report), "text/csv; charset=utf-8", content_disposition(workshop.title, report.day, "csv"))

    @get("/export.json")
    async def json(self, db_session: AsyncSession, workshop: Workshop) -> Response:
        document = await workshop_file.export_document(db_session, workshop)
        return _download(workshop_file.dumps(document), MediaType.JSON,
                         content_disposition(workshop.title, local_date(workshop.created_at), "json"))

    @post("/export/pdf")
    async def start_pdf(self, request: Request, db_session: AsyncSession, workshop: Workshop) -> Response:
        """Starts a PDF in a worker process and answers at once: the board stays live meanwhile."""
        report = await load_report(db_session, workshop)
        job = request.app.state.exports.start(workshop.slug, report, current_locale())
        return html(panel.status(workshop, job, RUNNING))

    @get("/export/pdf/{job:str}/download")
    async def pdf_download(self, request: Request, workshop: Workshop, job: str) -> Response:
        path = request.app.state.exports.pdf_path(workshop.slug, job)
        if path is None:
            raise UserError(_("This PDF report no longer exists. Make a new one."), status_code=404)
        return _download(path.read_bytes(), "application/pdf",
                         content_disposition(workshop.title, local_date(workshop.created_at), "pdf"))


async def _blank_template(request: Request, lang: str) -> Response:
    path = await request.app.state.exports.blank(lang)
    if path is None:
        raise UserError(_("The template could not be made. Try again in a moment."), status_code=503)
    with use_locale(lang):
        name = _("service-blueprint-template")
    return Response(path.read_bytes(), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"', "Cache-Control": "max-age=3600"})


@get("/template.pdf")
async def blank_template(request: Request) -> Response:
    """The blank blueprint (A3, for a paper start or the wall) in the visitor's language."""
    return await _blank_template(request, current_locale())


class ExportPanel(Controller):
    """The export menu's parts: any member polls a PDF's status and downloads the blank template."""

    path = "/w/{slug:str}"
    guards = [requires_member]

    @get("/export/pdf/{job:str}")
    async def pdf_status(self, request: Request, workshop: Workshop, member: Participant, job: str) -> Response:
        if not may_export(workshop, member):
            # Export was switched off meanwhile: answer in place, so the polling element stops.
            return html(panel.status(workshop, job, "forbidden"), status_code=403)
        state, reason = request.app.state.exports.status(workshop.slug, job)
        return html(panel.status(workshop, job, state, reason))

    @get("/template.pdf")
    async def blank_template(self, request: Request, workshop: Workshop) -> Response:
        """The blank blueprint in the workshop's language (it holds nothing of the board)."""
        return await _blank_template(request, workshop.language)

    @post("/export/settings", guards=[requires_facilitator], dependencies=form(ExportSettings))
    async def settings(self, request: Request, db_session: AsyncSession, workshop: Workshop, member: Participant,
                       form: ExportSettings) -> Response:
        async with board_change(request, db_session, workshop) as change:
            await service.allow_participants(db_session, workshop, member, form.participants)
            change.add(panel.panel(workshop))
        return html(change.render())


def _too_large(request: Request, _exc: RequestEntityTooLarge) -> Response:
    limit = request.app.state.settings.max_import_bytes
    return user_error_response(request, UserError(
        _("This file is too large to import (at most %(limit)s MB).", limit=f"{limit / 1_000_000:g}"), status_code=413))


@post("/workshops/import", request_max_body_size=IMPORT_BODY_LIMIT, exception_handlers={RequestEntityTooLarge: _too_large})
async def import_workshop(request: Request, db_session: AsyncSession) -> Response:
    """Multipart form: `file`, a workshop file (JSON), and `access_code` when the server has one.
    Starts a new workshop from it, with the
    importer as facilitator. A bad file: an error in the user's language, nothing written."""
    settings = request.app.state.settings
    form = await request.form()
    upload = form.get("file")
    raw = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        check_access_code(request, form.get("access_code"))  # an import starts a workshop, as creating one does
        async with request.app.state.db.writing(db_session):
            workshop, facilitator = await workshop_file.import_workshop(db_session, settings, raw)
            await db_session.commit()
    except UserError as exc:
        await db_session.rollback()
        if is_htmx(request):
            raise
        return page("home.html", status_code=exc.status_code, title_value="", code_value="", import_error=exc.message,
                    access_code_required=bool(settings.access_code))
    return with_member_cookie(redirect(request, f"/w/{workshop.slug}"), workshop, facilitator, settings)


ROUTES = [Exports, ExportPanel, blank_template, import_workshop]
