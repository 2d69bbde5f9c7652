"""The CSV of all cards, made to open correctly in Excel with Dutch settings.

UTF-8 with a byte order mark (else Excel reads it as Windows-1252), `;` as separator
(Dutch Excel's list separator, the comma being the decimal sign), CRLF line ends and
RFC 4180 quoting. A cell that Excel would take as a formula gets a leading apostrophe
(CSV injection: `=HYPERLINK(...)` in a card must stay text).
"""

from __future__ import annotations

import csv
import io

from app.export.report import Report
from app.i18n import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def cards_csv(report: Report) -> bytes:
    """Phase, lane, text, tags, author, votes of every card, in board order; headers in the current language."""
    phases = {p.id: p.name for p in report.phases}
    lanes = {lane.id: lane.name for lane in report.lanes}
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_("Phase"), _("Row"), _("Text"), _("Tags"), _("Author"), _("Votes")])
    for card in report.cards:
        writer.writerow([
            safe_cell(phases.get(card.phase_id, "")), safe_cell(lanes.get(card.lane_id, "")), safe_cell(card.text),
            safe_cell(", ".join(t.name for t in card.tags)), safe_cell(card.author), card.votes,
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
