"""Page layout of the blueprint in the PDF: which phases and which cards go on which page.

WeasyPrint breaks a table across pages by itself, but then a lane's header is not
repeated on the continued part, and columns never split. So we plan the pages
ourselves: phases in groups that fit the page width (the lane headers repeated on
every page), and lanes, or parts of lanes, that fit the page height. Heights are
estimated from the real glyph widths of the font the PDF uses, a little on the safe
side; if an estimate is still short, WeasyPrint continues the table on a next page
and a card is still never cut (`break-inside: avoid`).

All lengths are millimetres; the sizes below mirror app/static/export.css.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from app.export.report import Report, ReportCard, ReportLane, ReportPhase

PT = 25.4 / 72  # one point in mm

# Page: A3 landscape, margins as in @page of export.css.
PAGE_WIDTH, PAGE_HEIGHT = 420.0, 297.0
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 12.0, 12.0, 18.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
CONTENT_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# Grid (export.css: .grid and what it holds).
LANE_COLUMN = 34.0
MAX_PHASES_PER_PAGE = 7  # keeps a phase column at least ~52 mm wide
PAGE_HEAD = 13.0  # h2 and the line under it
LEGEND_LINE = 5.2
LEGEND_GAP = 3.0
CELL_PAD = 1.5
PHASE_PAD = 2.0
PHASE_NAME_PT, PHASE_NAME_LH = 10.0, 1.2
PHASE_META_PT, PHASE_META_LH = 7.5, 1.3
LANE_NAME_PT, LANE_NAME_LH = 9.0, 1.2
LANE_GROUP_PT, LANE_GROUP_LH = 6.5, 1.3
LINE_ROW = 7.5  # the line of visibility
CELL_BORDER = 0.3
CARD_PAD = 1.8
CARD_BORDER_H, CARD_BORDER_V = 1.2 + 0.35, 2 * 0.35  # left border is the thick one
CARD_GAP = 1.6
CARD_TEXT_PT, CARD_TEXT_LH = 8.5, 1.25
CHIP_PT, CHIP_LINE = 7.0, 4.9  # tag chips: font size, height of one line of chips
CHIP_EXTRA = 8.6  # letter badge, space, padding, border and margin of one chip, besides its name
FOOT_PT, FOOT_LH = 7.0, 1.3
# Estimates err on the safe side by this much.
SAFETY = 1.04

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/liberation2"))


class Metrics:
    """Advance widths of the PDF's font (Liberation Sans), for line-breaking estimates."""

    def __init__(self) -> None:
        self.widths: dict[bool, dict[int, float]] = {}
        for bold, name in ((False, "LiberationSans-Regular.ttf"), (True, "LiberationSans-Bold.ttf")):
            self.widths[bold] = _advance_widths(name)

    def width(self, text: str, size_pt: float, bold: bool = False) -> float:
        table = self.widths[bold]
        # Unknown glyphs (and no font file at all): a wide average, to stay on the safe side.
        em = sum(table.get(ord(ch), 0.62) for ch in text)
        return em * size_pt * PT

    def lines(self, text: str, size_pt: float, width: float, bold: bool = False) -> int:
        """Lines that `text` takes in a box `width` wide: greedy breaks at spaces; a word
        wider than the box breaks anywhere (`overflow-wrap: anywhere` in the CSS)."""
        if width <= 0:
            return max(1, len(text))
        space = self.width(" ", size_pt, bold)
        total = 0
        for paragraph in text.split("\n"):
            lines, current = 1, 0.0
            for word in paragraph.split():
                w = self.width(word, size_pt, bold)
                if w > width:  # broken over lines of its own
                    if current > 0:
                        lines += 1
                    lines += math.ceil(w / width) - 1
                    current = w - (math.ceil(w / width) - 1) * width
                elif current == 0:
                    current = w
                elif current + space + w <= width:
                    current += space + w
                else:
                    lines += 1
                    current = w
            total += lines
        return max(1, total)


@cache
def _advance_widths(filename: str) -> dict[int, float]:
    for folder in FONT_DIRS:
        path = folder / filename
        if path.exists():
            from fontTools.ttLib import TTFont

            font = TTFont(path, lazy=True)
            per_em = font["head"].unitsPerEm
            hmtx = font["hmtx"].metrics
            return {code: hmtx[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return {}


@cache
def metrics() -> Metrics:
    return Metrics()


# -- heights of the parts ----------------------------------------------------------------------


def card_height(card: ReportCard, column: float, m: Metrics) -> float:
    inner = column - CELL_BORDER - 2 * CELL_PAD - 2 * CARD_PAD - CARD_BORDER_H
    h = 2 * CARD_PAD + CARD_BORDER_V
    h += m.lines(card.text, CARD_TEXT_PT, inner) * CARD_TEXT_PT * CARD_TEXT_LH * PT
    if card.tags:
        chip_lines, used = 1, 0.0
        for tag in card.tags:
            w = min(inner, m.width(tag.name, CHIP_PT) + CHIP_EXTRA)
            if used and used + w > inner:
                chip_lines, used = chip_lines + 1, 0.0
            used += w + 1.0
        h += chip_lines * CHIP_LINE + 0.8
    foot = card.author + (f"  ● {card.votes}" if card.votes else "")
    if foot:
        h += m.lines(foot, FOOT_PT, inner) * FOOT_PT * FOOT_LH * PT + 0.8
    return h * SAFETY + CARD_GAP


def phase_head_height(phase: ReportPhase, column: float, m: Metrics, labels: tuple[str, str]) -> float:
    inner = column - 2 * PHASE_PAD
    h = 2 * PHASE_PAD + m.lines(phase.name, PHASE_NAME_PT, inner, bold=True) * PHASE_NAME_PT * PHASE_NAME_LH * PT
    for label, text in zip(labels, (phase.trigger, phase.completion)):
        if text:
            h += 1.0 + m.lines(f"{label}: {text}", PHASE_META_PT, inner) * PHASE_META_PT * PHASE_META_LH * PT
    return h * SAFETY


def lane_head_height(lane: ReportLane, m: Metrics, continued_label: str, group_label: str, continued: bool) -> float:
    inner = LANE_COLUMN - 2 * CELL_PAD
    name = lane.name + (f" ({continued_label})" if continued else "")
    h = 2 * CELL_PAD + m.lines(name, LANE_NAME_PT, inner, bold=True) * LANE_NAME_PT * LANE_NAME_LH * PT
    h += m.lines(group_label, LANE_GROUP_PT, inner) * LANE_GROUP_PT * LANE_GROUP_LH * PT + 0.8
    return h * SAFETY


def legend_height(report: Report, m: Metrics, votes_label: str) -> float:
    items = [m.width(t.name, CHIP_PT + 0.5) + CHIP_EXTRA + 3.0 for t in report.tags]
    items.append(m.width(votes_label, CHIP_PT + 0.5) + 6.0)
    lines, used = 1, 0.0
    for w in items:
        if used and used + w > CONTENT_WIDTH:
            lines, used = lines + 1, 0.0
        used += w
    return lines * LEGEND_LINE + LEGEND_GAP


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One lane on one page: all of its cards in these phases, or the next part of them."""

    lane: ReportLane
    cells: dict[int, list[ReportCard]]  # phase id -> cards on this page
    continued: bool = False  # an earlier page holds the first part
    line_above: bool = False  # the line of visibility is drawn right above this row


@dataclass
class GridPage:
    phases: list[ReportPhase]
    column: float  # width of each phase column
    first_phase: int  # 1-based numbers, for "phases 1-7 of 9"
    last_phase: int
    rows: list[Row] = field(default_factory=list)


@dataclass
class Words:
    """The translated words whose length matters for the layout."""

    trigger: str = "Trigger"
    completion: str = "Done when"
    continued: str = "continued"
    visible: str = "Visible to the customer"
    backstage: str = "Behind the scenes"
    votes: str = "votes"


def phase_groups(phases: list[ReportPhase]) -> list[list[ReportPhase]]:
    """Phases in as few page-wide groups as needed, of (nearly) equal size."""
    if not phases:
        return [[]]
    count = math.ceil(len(phases) / MAX_PHASES_PER_PAGE)
    size = math.ceil(len(phases) / count)
    return [phases[i:i + size] for i in range(0, len(phases), size)]


def plan(report: Report, words: Words | None = None, m: Metrics | None = None) -> list[GridPage]:
    words = words or Words()
    m = m or metrics()
    cells = report.cells()
    pages: list[GridPage] = []
    legend = legend_height(report, m, words.votes)
    numbered = {p.id: i + 1 for i, p in enumerate(report.phases)}
    for group in phase_groups(report.phases):
        column = (CONTENT_WIDTH - LANE_COLUMN) / max(1, len(group))
        head = max((phase_head_height(p, column, m, (words.trigger, words.completion)) for p in group), default=8.0)
        room = CONTENT_HEIGHT - PAGE_HEAD - legend - head
        first, last = (numbered[group[0].id], numbered[group[-1].id]) if group else (0, 0)

        def new_page(group=group, column=column, first=first, last=last) -> GridPage:
            pages.append(GridPage(group, column, first, last))
            return pages[-1]

        page, used = new_page(), 0.0
        seen_backstage = False
        for lane in report.lanes:
            line = lane.group == "backstage" and not seen_backstage and any(x.group == "visible" for x in report.lanes)
            seen_backstage = seen_backstage or lane.group == "backstage"
            queue = {p.id: [(c, card_height(c, column, m)) for c in cells.get((p.id, lane.id), [])] for p in group}
            continued = False
            group_label = words.visible if lane.group == "visible" else words.backstage
            while True:
                lane_head = lane_head_height(lane, m, words.continued, group_label, continued)
                extra = LINE_ROW if line else 0.0
                full = max([lane_head] + [2 * CELL_PAD + sum(h for _c, h in q) for q in queue.values()])
                if used + extra + full <= room:
                    page.rows.append(Row(lane, {pid: [c for c, _h in q] for pid, q in queue.items()}, continued, line))
                    used += extra + full
                    break
                space = room - used - extra - 2 * CELL_PAD
                fits = {pid: _fitting(q, space) for pid, q in queue.items()}
                if used > 0 and (extra + full <= room or space < lane_head or not any(fits.values())):
                    # The lane fits whole on a fresh sheet, or too little of it fits here: next sheet.
                    page, used = new_page(), 0.0
                    continue
                if not any(fits.values()):
                    # A card taller than a whole page (cannot happen within the card length
                    # limit): place one anyway; WeasyPrint continues the table.
                    fits = {pid: 1 if q else 0 for pid, q in queue.items()}
                page.rows.append(Row(lane, {pid: [c for c, _h in q[:fits[pid]]] for pid, q in queue.items()}, continued, line))
                queue = {pid: q[fits[pid]:] for pid, q in queue.items()}
                if not any(queue.values()):
                    used = room  # the lane's header made it tall; start the next lane afresh
                    break
                page, used = new_page(), 0.0
                continued, line = True, False
    return pages


def _fitting(queue: list[tuple[ReportCard, float]], space: float) -> int:
    total, n = 0.0, 0
    for _card, h in queue:
        if total + h > space:
            break
        total, n = total + h, n + 1
    return n
