"""Page layout of the blueprint in the PDF: which phases, which cards, at which type size, on which sheet.

The organisation wants the whole blueprint on one A3 sheet: every phase, every lane, the
line of visibility. So the plan first tries the whole board on one sheet, with the type
scaled down step by step (to no less than MIN_TEXT_PT, still legible when printed) and a
phase with many cards spread over several sub-columns. A board too large for that is
split by phases (groups of columns), never by lanes: every sheet holds every lane, the
line of visibility and its phases' headers with aanleiding and afronding. Only a single
phase too full for a whole sheet continues on a next sheet ("vervolg"), still with every lane.

Heights are estimated from the real glyph widths of the PDF's font (fontTools), a little
on the safe side, so each planned sheet is one page; `break-inside: avoid` keeps a card
whole even if an estimate were short. Everything is plain tables and blocks (no flex: it
makes WeasyPrint's layout time grow steeply). All lengths are millimetres; the sizes
below mirror app/static/export.css, where the grid's sizes are in em of the sheet's type
size (the `font-size` the template puts on each sheet's table).
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
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 10.0, 10.0, 14.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
CONTENT_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# The sheet's head (fixed sizes): title line, then the tag legend (export.css: .page-head, .legend).
PAGE_HEAD = 9.0
LEGEND_LINE = 4.6
LEGEND_GAP = 2.0
LEGEND_PT = 7.0
CHIP_EXTRA = 7.5  # letter badge, space, padding, border and margin of one legend chip, besides its name

# Type sizes of the card text, largest first: the plan takes the largest that fits.
TEXT_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
MIN_TEXT_PT = TEXT_SIZES[-1]
MULTI_SHEET_MIN_PT = 6.5  # a board that needs several sheets anyway keeps larger type

# The grid, in em of the card text (export.css: .grid and what it holds).
LANE_COLUMN_EM = 11.0  # the lanes' header column (about 33 mm at 8.5 pt)
SUB_COLUMN_MIN_EM = 14.0  # a column of cards is at least this wide (about 42 mm at 8.5 pt, 49 mm at 10 pt)
EMPTY_PHASE_WEIGHT = 0.5  # a phase without cards on this sheet gets a narrower column
CELL_PAD_EM = 0.45
PHASE_PAD_EM = 0.55
PHASE_NAME_EM, PHASE_NAME_LH = 1.15, 1.2
PHASE_META_EM, PHASE_META_LH, PHASE_META_GAP_EM = 0.85, 1.3, 0.3
LANE_NAME_EM, LANE_NAME_LH = 1.05, 1.2
LANE_GROUP_EM, LANE_GROUP_LH, LANE_GROUP_GAP_EM = 0.75, 1.3, 0.25
LINE_EM, LINE_LH, LINE_PAD_EM = 0.85, 1.3, 0.3  # the line of visibility's row
LINE_BORDER = 0.8 + 0.3  # its dashed top border and its bottom border
CARD_PAD_EM = 0.5
CARD_GAP_EM = 0.45
CARD_TEXT_LH = 1.22
FOOT_EM = 0.8
BADGE_EXTRA_EM = 0.9  # padding and space around a tag letter in a card's foot, in em of the foot
CELL_BORDER = 0.3
CARD_BORDER_H, CARD_BORDER_V = 2 * 0.3, 2 * 0.3
# Estimates err on the safe side by this much.
SAFETY = 1.04

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/liberation2"))


class Metrics:
    """Advance widths of the PDF's font (Liberation Sans), for line-breaking estimates."""

    def __init__(self) -> None:
        self.widths: dict[bool, dict[int, float]] = {}
        for bold, name in ((False, "LiberationSans-Regular.ttf"), (True, "LiberationSans-Bold.ttf")):
            self.widths[bold] = _advance_widths(name)

    def em(self, text: str, bold: bool = False) -> float:
        """Width of `text` in em (at 1 pt it is this many points)."""
        table = self.widths[bold]
        # Unknown glyphs (and no font file at all): a wide average, to stay on the safe side.
        return sum(table.get(ord(ch), 0.62) for ch in text)

    def width(self, text: str, size_pt: float, bold: bool = False) -> float:
        return self.em(text, bold) * size_pt * PT

    def words(self, text: str, bold: bool = False) -> list[list[float]]:
        """Per paragraph, the width of each word in em: measured once, then broken at any width."""
        return [[self.em(w, bold) for w in paragraph.split()] for paragraph in text.split("\n")]

    def lines(self, text: str, size_pt: float, width: float, bold: bool = False) -> int:
        return count_lines(self.words(text, bold), width / (size_pt * PT), self.em(" ", bold))


def count_lines(paragraphs: list[list[float]], width_em: float, space_em: float = 0.278) -> int:
    """Lines that words of these widths take in a box `width_em` wide: greedy breaks at spaces;
    a word wider than the box breaks anywhere (`overflow-wrap: anywhere` in the CSS)."""
    if width_em <= 0:
        return max(1, sum(len(p) for p in paragraphs))
    total = 0
    for words in paragraphs:
        lines, current = 1, 0.0
        for w in words:
            if w > width_em:  # broken over lines of its own
                if current > 0:
                    lines += 1
                pieces = math.ceil(w / width_em)
                lines += pieces - 1
                current = w - (pieces - 1) * width_em
            elif current == 0:
                current = w
            elif current + space_em + w <= width_em:
                current += space_em + w
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


# -- the plan's result --------------------------------------------------------------------------


@dataclass
class Row:
    """One lane on one sheet: per phase, its cards in that phase's sub-columns (top to bottom, then the next)."""

    lane: ReportLane
    cells: dict[int, list[list[ReportCard]]]  # phase id -> sub-columns -> cards
    line_above: bool = False  # the line of visibility is drawn right above this row

    def cards(self) -> list[ReportCard]:
        return [c for columns in self.cells.values() for column in columns for c in column]


@dataclass
class GridPage:
    phases: list[ReportPhase]
    spans: dict[int, int]  # phase id -> its number of sub-columns
    widths: list[float]  # every sub-column's width, in order
    text_pt: float  # the sheet's type size (card text); everything in the grid scales with it
    first_phase: int  # 1-based numbers, for "phases 1-7 of 9"
    last_phase: int
    continued: bool = False  # this phase's cards continue from an earlier sheet
    rows: list[Row] = field(default_factory=list)

    @property
    def lane_column(self) -> float:
        return LANE_COLUMN_EM * self.text_pt * PT

    def phase_width(self, phase_id: int, start: int) -> float:
        return sum(self.widths[start:start + self.spans[phase_id]])


@dataclass
class Words:
    """The translated words whose length matters for the layout."""

    trigger: str = "Trigger"
    completion: str = "Done when"
    continued: str = "continued"
    visible: str = "Visible to the customer"
    backstage: str = "Behind the scenes"
    votes: str = "votes"
    line: str = "Line of visibility"
    line_hint: str = "above: what the customer sees · below: behind the scenes"


# -- measuring, each card's words once ---------------------------------------------------------


class Measure:
    """Heights of the parts of a sheet at a type size. Each text is measured once (its words in
    em); a height is then a sum over those numbers, so trying many sizes and widths stays cheap."""

    def __init__(self, report: Report, words: Words, m: Metrics) -> None:
        self.report, self.words, self.m = report, words, m
        self.space = m.em(" ")
        self._text: dict[int, list[list[float]]] = {}
        self._foot: dict[int, list[list[float]]] = {}
        self._heights: dict[tuple[int, float, float], float] = {}
        self._phase: dict[int, tuple[list[list[float]], list[list[list[float]]]]] = {}

    def card(self, card: ReportCard, width: float, pt: float) -> float:
        key = (card.id, round(width, 2), pt)
        if (h := self._heights.get(key)) is not None:
            return h
        em = pt * PT
        if card.id not in self._text:
            self._text[card.id] = self.m.words(card.text)
            foot = [self.m.em(t.letter, bold=True) + BADGE_EXTRA_EM for t in card.tags]
            # The author's words, and the votes ("● 3") as one word that never breaks.
            foot += self.m.words(card.author)[0] if card.author else []
            foot += [self.m.em(f"● {card.votes}", bold=True)] if card.votes else []
            self._foot[card.id] = [foot] if foot else []
        inner = width - CELL_BORDER - 2 * CELL_PAD_EM * em - 2 * CARD_PAD_EM * em - CARD_BORDER_H
        h = 2 * CARD_PAD_EM * em + CARD_BORDER_V
        h += count_lines(self._text[card.id], inner / em, self.space) * pt * CARD_TEXT_LH * PT
        if self._foot[card.id]:
            # The foot is inline after a line break: smaller type on the card's own line height.
            h += count_lines(self._foot[card.id], inner / (pt * FOOT_EM * PT), self.space) * pt * CARD_TEXT_LH * PT
        h = h * SAFETY + CARD_GAP_EM * em
        self._heights[key] = h
        return h

    def phase_head(self, phase: ReportPhase, width: float, pt: float) -> float:
        if phase.id not in self._phase:
            metas = [self.m.words(f"{label}: {text}", bold=True) for label, text in
                     ((self.words.trigger, phase.trigger), (self.words.completion, phase.completion)) if text]
            self._phase[phase.id] = (self.m.words(phase.name, bold=True), metas)
        name, metas = self._phase[phase.id]
        em = pt * PT
        inner = width - 2 * PHASE_PAD_EM * em
        h = 2 * PHASE_PAD_EM * em + count_lines(name, inner / (PHASE_NAME_EM * em), self.m.em(" ", True)) * PHASE_NAME_EM * PHASE_NAME_LH * em
        for meta in metas:
            h += PHASE_META_GAP_EM * em + count_lines(meta, inner / (PHASE_META_EM * em), self.m.em(" ", True)) * PHASE_META_EM * PHASE_META_LH * em
        return h * SAFETY + CELL_BORDER

    def lane_head(self, lane: ReportLane, pt: float) -> float:
        em = pt * PT
        inner = LANE_COLUMN_EM * em - 2 * CELL_PAD_EM * em - CELL_BORDER
        group = self.words.visible if lane.group == "visible" else self.words.backstage
        h = 2 * CELL_PAD_EM * em
        h += self.m.lines(lane.name, LANE_NAME_EM * pt, inner, bold=True) * LANE_NAME_EM * LANE_NAME_LH * em
        h += LANE_GROUP_GAP_EM * em + self.m.lines(group, LANE_GROUP_EM * pt, inner) * LANE_GROUP_EM * LANE_GROUP_LH * em
        return h * SAFETY + CELL_BORDER

    def line_row(self, pt: float, width: float) -> float:
        em = pt * PT
        text = f"{self.words.line} {self.words.line_hint}"
        lines = self.m.lines(text, LINE_EM * pt, width - 2 * LINE_PAD_EM * em * 2, bold=True)
        return (2 * LINE_PAD_EM * em + lines * LINE_EM * LINE_LH * em) * SAFETY + LINE_BORDER

    def legend(self) -> float:
        items = [self.m.width(t.name, LEGEND_PT) + CHIP_EXTRA + 2.0 for t in self.report.tags]
        items.append(self.m.width(self.words.votes, LEGEND_PT) + 6.0)
        lines, used = 1, 0.0
        for w in items:
            if used and used + w > CONTENT_WIDTH:
                lines, used = lines + 1, 0.0
            used += w
        return lines * LEGEND_LINE + LEGEND_GAP


# The binary search stops this close (mm) to the lowest tallest sub-column: far below the estimates'
# own margin (SAFETY), and it is run for every cell at every size tried (a third of a 1,000-card plan).
SPLIT_PRECISION = 0.01


def split_column(heights: list[float], parts: int) -> list[int]:
    """Where to cut a cell's cards (in order) into `parts` sub-columns so the tallest is lowest
    (to within SPLIT_PRECISION): the sizes of the parts. Binary search on the height, greedy filling."""
    if parts <= 1 or len(heights) <= 1:
        return [len(heights)] + [0] * (parts - 1)
    lo, hi = max(max(heights), sum(heights) / parts), sum(heights)
    while hi - lo > SPLIT_PRECISION:
        mid = (lo + hi) / 2
        if _parts_needed(heights, mid, parts) <= parts:
            hi = mid
        else:
            lo = mid
    sizes = _greedy(heights, hi)
    return sizes + [0] * (parts - len(sizes))


def _parts_needed(heights: list[float], limit: float, most: int) -> int:
    """How many sub-columns greedy filling up to `limit` needs; counting stops past `most`."""
    parts, used = 1, 0.0
    for h in heights:
        if used and used + h > limit + 1e-9:
            parts += 1
            if parts > most:
                return parts
            used = 0.0
        used += h
    return parts


def _greedy(heights: list[float], limit: float) -> list[int]:
    sizes, used = [0], 0.0
    for h in heights:
        if sizes[-1] and used + h > limit + 1e-9:
            sizes.append(0)
            used = 0.0
        sizes[-1] += 1
        used += h
    return sizes


# -- the plan -----------------------------------------------------------------------------------


class Planner:
    def __init__(self, report: Report, words: Words, m: Metrics) -> None:
        self.report = report
        self.measure = Measure(report, words, m)
        self.cells = report.cells()
        self.room = CONTENT_HEIGHT - PAGE_HEAD - self.measure.legend()
        self.has_line = any(lane.group == "visible" for lane in report.lanes) and any(
            lane.group == "backstage" for lane in report.lanes)

    def cell(self, phase: ReportPhase, lane: ReportLane) -> list[ReportCard]:
        return self.cells.get((phase.id, lane.id), [])

    def widths(self, phases: list[ReportPhase], spans: dict[int, int], pt: float) -> dict[int, float]:
        """Width of one sub-column per phase: the grid's width shared by weight."""
        free = CONTENT_WIDTH - LANE_COLUMN_EM * pt * PT
        weight = {p.id: spans[p.id] * (1.0 if self._count(p) else EMPTY_PHASE_WEIGHT) for p in phases}
        total = sum(weight.values()) or 1.0
        return {p.id: free * weight[p.id] / total / spans[p.id] for p in phases}

    def _count(self, phase: ReportPhase) -> int:
        return sum(len(self.cell(phase, lane)) for lane in self.report.lanes)

    def height(self, phases, spans, pt) -> tuple[float, dict]:
        """Height of a sheet with these phases and spans at type size `pt`, and its cells' sub-columns."""
        width = self.widths(phases, spans, pt)
        em = pt * PT
        total = max((self.measure.phase_head(p, width[p.id] * spans[p.id], pt) for p in phases), default=8.0)
        if self.has_line:
            total += self.measure.line_row(pt, CONTENT_WIDTH)
        columns: dict[tuple[int, int], list[list[ReportCard]]] = {}
        for lane in self.report.lanes:
            row = self.measure.lane_head(lane, pt)
            for p in phases:
                cards = self.cell(p, lane)
                heights = [self.measure.card(c, width[p.id], pt) for c in cards]
                sizes = split_column(heights, spans[p.id])
                start, tallest = 0, 0.0
                parts = []
                for size in sizes:
                    parts.append(cards[start:start + size])
                    tallest = max(tallest, sum(heights[start:start + size]))
                    start += size
                columns[(p.id, lane.id)] = parts
                row = max(row, tallest + 2 * CELL_PAD_EM * em + CELL_BORDER)
            total += row
        return total, columns

    def may_fit(self, phases: list[ReportPhase], pt: float, limit: int) -> bool:
        """A quick test before the real one: do the cards' areas (at the narrowest sub-column) exceed
        the sheet's? Text re-wraps into wider columns at about the same area, so such a board cannot fit."""
        width = (CONTENT_WIDTH - LANE_COLUMN_EM * pt * PT) / limit
        area = sum(self.measure.card(c, width, pt) for p in phases for lane in self.report.lanes for c in self.cell(p, lane))
        return area * width <= self.room * width * limit

    def max_columns(self, pt: float) -> int:
        free = CONTENT_WIDTH - LANE_COLUMN_EM * pt * PT
        return max(1, int(free // (SUB_COLUMN_MIN_EM * pt * PT)))

    def fit(self, phases: list[ReportPhase], sizes=TEXT_SIZES):
        """The largest type size (and sub-columns per phase) at which these phases fit one sheet; None if none does."""
        for pt in sizes:
            limit = self.max_columns(pt)
            if len(phases) > limit or not self.may_fit(phases, pt, limit):
                continue
            spans = {p.id: 1 for p in phases}
            h, columns = self.height(phases, spans, pt)
            while h > self.room and sum(spans.values()) < limit:
                # One more sub-column for the phase where it lowers the sheet most (the rows'
                # heights are their tallest cells; a wider spread narrows every column a little).
                tries = []
                for p in phases:
                    if self._count(p):
                        wider = {**spans, p.id: spans[p.id] + 1}
                        tries.append((*self.height(phases, wider, pt), wider))
                if not tries:
                    break
                h, columns, spans = min(tries, key=lambda t: t[0])
            if h <= self.room:
                return pt, spans, columns
        return None


def phase_groups(phases: list[ReportPhase], count: int) -> list[list[ReportPhase]]:
    """Phases in `count` consecutive groups of (nearly) equal size."""
    size = math.ceil(len(phases) / count)
    return [phases[i:i + size] for i in range(0, len(phases), size)]


def plan(report: Report, words: Words | None = None, m: Metrics | None = None) -> list[GridPage]:
    words = words or Words()
    planner = Planner(report, words, m or metrics())
    numbered = {p.id: i + 1 for i, p in enumerate(report.phases)}
    if not report.phases:
        return [GridPage([], {}, [], TEXT_SIZES[0], 0, 0, rows=[Row(lane, {}) for lane in report.lanes])]

    def page(group, fitted, continued=False) -> GridPage:
        pt, spans, columns = fitted
        width = planner.widths(group, spans, pt)
        sheet = GridPage(group, spans, [width[p.id] for p in group for _ in range(spans[p.id])], pt,
                         numbered[group[0].id], numbered[group[-1].id], continued)
        seen_visible = drawn = False
        for lane in report.lanes:
            # The line of visibility: above the first backstage lane that follows a visible one.
            line = not drawn and lane.group == "backstage" and seen_visible
            drawn = drawn or line
            seen_visible = seen_visible or lane.group == "visible"
            sheet.rows.append(Row(lane, {p.id: columns[(p.id, lane.id)] for p in group}, line))
        return sheet

    # The whole board on one sheet, at any type size down to the smallest.
    if fitted := planner.fit(report.phases):
        return [page(report.phases, fitted)]
    # Else as few sheets as possible (groups of phases), in larger type.
    for count in range(2, len(report.phases) + 1):
        groups = phase_groups(report.phases, count)
        fits = [planner.fit(g, [s for s in TEXT_SIZES if s >= MULTI_SHEET_MIN_PT]) for g in groups]
        if all(fits):
            return [page(g, f) for g, f in zip(groups, fits)]
    # A phase too full for a whole sheet: one phase a sheet, continued on the next ones.
    pages: list[GridPage] = []
    for phase in report.phases:
        pages += _continued(planner, phase, page)
    return pages


def _continued(planner: Planner, phase: ReportPhase, page) -> list[GridPage]:
    """A single phase over as many sheets as it needs, at the smallest type size and widest spread:
    each sheet holds every lane, with the next cards of each (lanes share the sheet's height by
    what they still hold)."""
    if fitted := planner.fit([phase], [s for s in TEXT_SIZES if s >= MULTI_SHEET_MIN_PT]):
        return [page([phase], fitted)]
    pt = MIN_TEXT_PT
    span = planner.max_columns(pt)
    spans = {phase.id: span}
    width = planner.widths([phase], spans, pt)[phase.id]
    em = pt * PT
    lanes = planner.report.lanes
    queues = {lane.id: [(c, planner.measure.card(c, width, pt)) for c in planner.cell(phase, lane)] for lane in lanes}
    heads = {lane.id: planner.measure.lane_head(lane, pt) for lane in lanes}
    fixed = planner.measure.phase_head(phase, width * span, pt) + (planner.measure.line_row(pt, CONTENT_WIDTH) if planner.has_line else 0)
    pages = []
    while True:
        pad = 2 * CELL_PAD_EM * em + CELL_BORDER
        # Each lane's row holds at least its next card (or its header); the rest of the sheet is
        # shared by what each lane still holds, so all lanes finish on about the same sheet.
        base = {lid: max(heads[lid] - pad, q[0][1] if q else 0.0) for lid, q in queues.items()}
        room = planner.room - fixed - sum(base[lid] + pad for lid in base)
        left = {lid: sum(h for _c, h in q) / span for lid, q in queues.items()}
        total_left = sum(left.values()) or 1.0
        columns = {}
        for lane in lanes:
            q = queues[lane.id]
            budget = base[lane.id] + max(0.0, room) * left[lane.id] / total_left
            parts, taken = [], 0
            for _ in range(span):
                used, n = 0.0, 0
                while taken + n < len(q) and used + q[taken + n][1] <= budget:
                    used += q[taken + n][1]
                    n += 1
                parts.append([c for c, _h in q[taken:taken + n]])
                taken += n
            columns[(phase.id, lane.id)] = parts
            queues[lane.id] = q[taken:]
        if all(not part for parts in columns.values() for part in parts):
            # Nothing fitted its share (a card taller than a share): place one card anyway, so the plan ends.
            lane = next(lane for lane in lanes if queues[lane.id])
            columns[(phase.id, lane.id)][0] = [queues[lane.id][0][0]]
            queues[lane.id] = queues[lane.id][1:]
        pages.append(page([phase], (pt, spans, columns), continued=bool(pages)))
        if not any(queues.values()):
            return pages
