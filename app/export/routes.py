"""Export (PDF, CSV, JSON) and import of a workshop file.

Who may export is decided here, per request (`require_exporter`): the facilitator,
and participants only once the facilitator allows it. The PDF is made by a worker
process (app/export/jobs.py); the asker's page polls a small status fragment.
"""

from __future__ import annotations

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import UserError
from app.export import panel, service, workshop_file
from app.export.cards_csv import cards_csv
from app.export.jobs import RUNNING, PdfJobs
from app.export.labels import content_disposition
from app.export.report import load_report, local_date
from app.i18n import current_locale, use_locale
from app.i18n import gettext as _
from app.realtime import board_change
from app.responses import html, is_htmx, page, redirect, user_error_response
from app.security import check_access_code, require_facilitator, require_member, with_member_cookie

# Bodies above this are refused before they are read; the file limit itself is
# `Settings.max_import_bytes` (checked on the file, with a clearer message).
IMPORT_BODY_LIMIT = 20_000_000
# Exports hold names: never kept by a browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}


def _download(body: bytes, media_type: str, disposition: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition, **PRIVATE})


@get("/w/{slug:str}/export.csv")
async def export_csv(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, _member = await service.require_exporter(request, db_session, slug)
    report = await load_report(db_session, workshop)
    return _download(cards_csv(report), "text/csv; charset=utf-8", content_disposition(workshop.title, report.day, "csv"))


@get("/w/{slug:str}/export.json")
async def export_json(request: Request, db_session: AsyncSession, slug: str) -> Response:
    workshop, _member = await service.require_exporter(request, db_session, slug)
    document = await workshop_file.export_document(db_session, workshop)
    return _download(workshop_file.dumps(document), MediaType.JSON,
                     content_disposition(workshop.title, local_date(workshop.created_at), "json"))


@post("/w/{slug:str}/export/pdf")
async def start_pdf(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Starts a PDF in a worker process and answers at once: the board stays live meanwhile."""
    workshop, _member = await service.require_exporter(request, db_session, slug)
    report = await load_report(db_session, workshop)
    jobs: PdfJobs = request.app.state.exports
    job = jobs.start(workshop.slug, report, current_locale())
    return html(panel.status(workshop, job, RUNNING))


@get("/w/{slug:str}/export/pdf/{job:str}")
async def pdf_status(request: Request, db_session: AsyncSession, slug: str, job: str) -> Response:
    workshop, member = await require_member(request, db_session, slug)
    if not service.may_export(workshop, member):
        # Export was switched off meanwhile: answer in place, so the polling element stops.
        return html(panel.status(workshop, job, "forbidden"), status_code=403)
    state, reason = request.app.state.exports.status(workshop.slug, job)
    return html(panel.status(workshop, job, state, reason))


@get("/w/{slug:str}/export/pdf/{job:str}/download")
async def pdf_download(request: Request, db_session: AsyncSession, slug: str, job: str) -> Response:
    workshop, _member = await service.require_exporter(request, db_session, slug)
    path = request.app.state.exports.pdf_path(workshop.slug, job)
    if path is None:
        raise UserError(_("This PDF report no longer exists. Make a new one."), status_code=404)
    report_day = local_date(workshop.created_at)
    return _download(path.read_bytes(), "application/pdf", content_disposition(workshop.title, report_day, "pdf"))


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


@get("/w/{slug:str}/template.pdf")
async def workshop_blank_template(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """The blank blueprint in the workshop's language (any member: it holds nothing of the board)."""
    workshop, _member = await require_member(request, db_session, slug)
    return await _blank_template(request, workshop.language)


@post("/w/{slug:str}/export/settings")
async def export_settings(request: Request, db_session: AsyncSession, slug: str) -> Response:
    """Form: participants=1 lets participants export too; without it, only the facilitator may."""
    workshop, member = await require_facilitator(request, db_session, slug)
    form = await request.form()
    async with board_change(request, db_session, workshop) as change:
        await service.allow_participants(db_session, workshop, member, form.get("participants") == "1")
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


ROUTES = [export_csv, export_json, start_pdf, pdf_status, pdf_download, export_settings, import_workshop,
          blank_template, workshop_blank_template]
