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
    """Every card in board order, with what the action list tracks (follow-up, owner, status) and
    the praatplaat steps it is linked to; headers and fixed words in the current language. New
    columns go after the old ones, so a spreadsheet built on the first six keeps working."""
    phases = {p.id: p.name for p in report.phases}
    lanes = {lane.id: lane for lane in report.lanes}
    sides = {"visible": _("visible"), "backstage": _("behind the scenes")}
    status = {"open": _("open"), "resolved": _("resolved")}
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_("Phase"), _("Row"), _("Text"), _("Tags"), _("Author"), _("Votes"), _("Side"),
                     _("What will we do?"), _("Owner"), _("Status"), _("Chart steps")])
    for card in report.cards:
        lane = lanes.get(card.lane_id)
        followed = bool(card.tags or card.followup_note or card.followup_owner)
        writer.writerow([
            safe_cell(phases.get(card.phase_id, "")), safe_cell(lane.name if lane else ""), safe_cell(card.text),
            safe_cell(", ".join(t.name for t in card.tags)), safe_cell(card.author), card.votes,
            sides.get(lane.group, "") if lane else "", safe_cell(card.followup_note), safe_cell(card.followup_owner),
            # A status only where there is something to follow up: "open" on every card would be noise.
            status.get(card.followup_status, card.followup_status) if followed else "",
            safe_cell(" | ".join(card.steps)),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
