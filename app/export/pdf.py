"""The PDF report: HTML from a template, laid out by WeasyPrint.

`render_pdf(report, lang)` is a plain, synchronous, CPU-bound function: the app runs it
in a worker process (app/export/jobs.py); a benchmark may call it directly, e.g.
`render_pdf(synthetic_report(cards=300), "nl")`.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from app.export.layout import Words, plan
from app.export.report import LOCAL_ZONE, Report
from app.export.sections import action_list, chart_drawing, tag_summary
from app.i18n import gettext as _
from app.i18n import use_locale
from app.templating import STATIC_DIR, environment

TEMPLATE = "export_pdf.html"
# The praatplaat's page has room for a drawing this large, in mm: A3 portrait for a chart taller than
# wide (the seed's), A3 landscape for one wider than tall (many levels). export.css: @page chart, chart-wide.
CHART_ROOM = (277.0, 370.0)
CHART_ROOM_WIDE = (400.0, 245.0)
# The drawing's text is HTML over the SVG, placed by its baseline as SVG text is: at line-height 1,
# Liberation Sans (ascent .905, descent .212 em) has its baseline this far below the line's top, in em.
CHART_BASELINE = (1 - 0.905 - 0.212) / 2 + 0.905
# Tagged PDF (PDF/UA-1): a screen reader reads the report in order, in its language, under its title.
PDF_VARIANT = "pdf/ua-1"


def _weasyprint():
    import weasyprint  # imported late: the web process never needs it, only the PDF worker

    return weasyprint


def static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        """WeasyPrint's URL fetcher, restricted to the app's own static files.

        Card text is escaped, but this is the wall behind that: no http(s), no data:, no
        file outside app/static (symlinks and `..` resolved first), no redirects. A refused
        URL raises, which WeasyPrint logs and skips (the image or attachment is left out).
        """

        def __init__(self, root: Path = STATIC_DIR) -> None:
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=1)
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = self.local_path(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"not one of the app's static files: {url[:200]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

        def local_path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            try:
                path = Path(unquote(parts.path)).resolve(strict=True)
            except (OSError, RuntimeError, ValueError):
                return None
            if not path.is_file() or not path.is_relative_to(self.root):
                return None
            return path

    return StaticFetcher


def css_string(value: str) -> Markup:
    """A CSS string literal (for the page footer's `content`), safe inside <style>."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>' or ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in value
    )
    return Markup(f'"{escaped}"')


def layout_words() -> Words:
    return Words(trigger=_("Trigger"), completion=_("Done when"), continued=_("continued"),
                 visible=_("Visible to the customer"), backstage=_("Behind the scenes"), votes=_("Votes in the last voting round"),
                 line=_("Line of visibility"), line_hint=_("above: what the customer sees · below: behind the scenes"))


def render_html(report: Report, lang: str) -> str:
    """The report as HTML for WeasyPrint (its print CSS, app/static/export.css, comes with `layout_html`)."""
    from babel.dates import format_date, format_time

    with use_locale(lang):
        words = layout_words()
        drawing = chart_drawing(report.chart)
        wide = bool(drawing) and drawing.layout.width > drawing.layout.height
        room = CHART_ROOM_WIDE if wide else CHART_ROOM
        scale = min(room[0] / drawing.layout.width, room[1] / drawing.layout.height) if drawing else 0
        return environment().get_template(TEMPLATE).render(
            report=report, pages=plan(report, words), words=words, drawing=drawing,
            chart_size=(drawing.layout.width * scale, drawing.layout.height * scale) if drawing else None, chart_wide=wide,
            chart_scale=scale, chart_baseline=CHART_BASELINE,
            actions=action_list(report), summary=tag_summary(report),
            day=format_date(report.day, format="long", locale=lang),
            exported=f'{format_date(report.exported_at.astimezone(LOCAL_ZONE), format="long", locale=lang)} '
                     f'{format_time(report.exported_at, format="short", locale=lang, tzinfo=LOCAL_ZONE)}',
            tagged=sum(1 for c in report.cards if c.tags), css_string=css_string, lang=lang,
        )


@functools.cache
def stylesheet():
    """app/static/export.css, parsed once per worker and handed to each render (the templates do not link it)."""
    return _weasyprint().CSS(filename=str(STATIC_DIR / "export.css"), url_fetcher=static_fetcher_class()())


def layout_html(html: str, fetcher=None):
    """WeasyPrint's laid-out document, with the static-files-only fetcher; relative URLs resolve in app/static."""
    weasyprint = _weasyprint()
    fetcher = fetcher or static_fetcher_class()()
    document = weasyprint.HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=fetcher)
    return document.render(pdf_variant=PDF_VARIANT, stylesheets=[stylesheet()])


def html_to_pdf(html: str, fetcher=None) -> bytes:
    return layout_html(html, fetcher).write_pdf(pdf_variant=PDF_VARIANT)


def render_document(report: Report, lang: str = "nl"):
    """The laid-out report (weasyprint.Document): pages and boxes, for tests that check the layout."""
    return layout_html(render_html(report, lang))


def render_pdf(report: Report, lang: str = "nl") -> bytes:
    """The whole report as PDF bytes. Synchronous and CPU-bound: keep it off the event loop."""
    return render_document(report, lang).write_pdf(pdf_variant=PDF_VARIANT)


BLANK_TEMPLATE = "export_blank.html"


def render_blank_html(lang: str) -> str:
    """The empty blueprint of the seed (its phases, lanes with their guiding questions, the line of
    visibility, the five questions) as HTML, in `lang`: the same board a new workshop starts with."""
    from app.board.blueprint import default_board, guiding_questions

    phases, lanes = default_board(lang)
    with use_locale(lang):
        words = layout_words()
        visible = [lane for lane in lanes if lane.group == "visible"]
        return environment().get_template(BLANK_TEMPLATE).render(
            lang=lang, title=_("Service blueprint template"), phases=phases, lanes=lanes,
            first_backstage=len(visible), visible_count=len(visible), questions=guiding_questions(),
            trigger=words.trigger, completion=words.completion, line=words.line, line_hint=words.line_hint,
            visible=words.visible, backstage=words.backstage, css_string=css_string,
        )


def render_blank(lang: str = "nl") -> bytes:
    """The blank template as PDF bytes (tagged, like the report). CPU-bound: the worker makes it."""
    return html_to_pdf(render_blank_html(lang))
