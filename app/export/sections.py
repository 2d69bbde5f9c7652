"""The report's other pages as plain data: the action list, its summary, the praatplaat's drawing.

Pure functions on a `Report` (no database, no WeasyPrint), each card visited once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from app.chart.layout import BOX_CHAR_W, BOX_PAD, BOX_W, HEAD_NAME_CHAR_W, HEAD_ROLE_CHAR_W, Layout, layout, wrap
from app.export.report import Report, ReportCard, ReportLane, ReportPhase, ReportTag


@dataclass
class Action:
    number: int
    card: ReportCard
    phase: ReportPhase
    lane: ReportLane


def action_list(report: Report) -> list[Action]:
    """One entry per card that asks for something (a tag, a follow-up, votes), with all its tags:
    most votes first, then in the order of the phases (and lanes, and cards) of the board."""
    phase = {p.id: (i, p) for i, p in enumerate(report.phases)}
    lane = {ln.id: (i, ln) for i, ln in enumerate(report.lanes)}
    wanted = [c for c in report.cards if c.tags or c.votes or c.followup_note or c.followup_owner]
    wanted.sort(key=lambda c: (-c.votes, phase[c.phase_id][0], lane[c.lane_id][0], c.position, c.id))
    return [Action(i, c, phase[c.phase_id][1], lane[c.lane_id][1]) for i, c in enumerate(wanted, 1)]


@dataclass
class TagRow:
    tag: ReportTag
    per_phase: list[int]
    total: int


@dataclass
class Summary:
    """Tagged cards per tag and per phase: where the informal and inconsistent work sits."""

    phases: list[ReportPhase]
    rows: list[TagRow] = field(default_factory=list)
    tagged_per_phase: list[int] = field(default_factory=list)  # each card once, however many tags
    tagged: int = 0
    most: int = 0  # the largest count in the table, for the shading

    def level(self, count: int) -> int:
        """0-4, the shade of a count: relative to the largest, as on the board's heat map."""
        return 0 if not count else min(4, 1 + (3 * count) // max(1, self.most))


def tag_summary(report: Report) -> Summary:
    index = {p.id: i for i, p in enumerate(report.phases)}
    summary = Summary(report.phases, tagged_per_phase=[0] * len(report.phases))
    counts = {t.id: [0] * len(report.phases) for t in report.tags}
    for card in report.cards:
        if not card.tags or card.phase_id not in index:
            continue
        i = index[card.phase_id]
        summary.tagged_per_phase[i] += 1
        summary.tagged += 1
        for tag in card.tags:
            if tag.id in counts:
                counts[tag.id][i] += 1
    for tag in report.tags:
        summary.rows.append(TagRow(tag, counts[tag.id], sum(counts[tag.id])))
    summary.most = max([n for row in summary.rows for n in row.per_phase] + [1])
    return summary


# -- the praatplaat ------------------------------------------------------------------------------

BOX_TEXT_CHARS = int((BOX_W - 2 * BOX_PAD) / BOX_CHAR_W)  # as chart/layout.py's box_height wraps


@dataclass
class ChartDrawing:
    """The chart laid out by the screen's own layout (app/chart/layout.py), with the text lines
    the SVG needs (WeasyPrint's SVG has no foreignObject, so the text is wrapped here)."""

    title: str
    layout: Layout
    levels: list[SimpleNamespace]
    steps: list[SimpleNamespace]
    lines: dict[int, list[str]]  # step id -> its text's lines
    roles: dict[int, list[str]]  # level id -> its roles' lines
    names: dict[int, list[str]]  # level id -> its name's lines


def chart_drawing(chart: dict | None) -> ChartDrawing | None:
    if not chart or not chart.get("levels") or "steps" not in chart:
        return None
    levels = [SimpleNamespace(**level) for level in chart["levels"]]
    steps = [SimpleNamespace(**step) for step in chart["steps"]]
    arrows = [SimpleNamespace(**arrow) for arrow in chart["arrows"]]
    drawn = layout(levels, steps, arrows)
    width = {lane.level_id: lane.w for lane in drawn.lanes}
    return ChartDrawing(
        title=chart.get("title") or "", layout=drawn, levels=levels, steps=[s for s in steps if s.id in drawn.boxes],
        lines={s.id: wrap(s.text, BOX_TEXT_CHARS) for s in steps},
        roles={lv.id: wrap(", ".join(lv.roles or []), int((width[lv.id] - 24) / HEAD_ROLE_CHAR_W)) if lv.roles else []
               for lv in levels},
        names={lv.id: wrap(lv.name, int((width[lv.id] - 60) / HEAD_NAME_CHAR_W)) for lv in levels},
    )
