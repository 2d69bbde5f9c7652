"""Where the chart's boxes, arrows and labels go: computed on the server, drawn as SVG.

Levels are columns (1 is the client; further right is further escalated). Steps sit in
rows by their place in the flow (the longest chain of arrows that leads to them), so a
case reads from top to bottom. Arrows run orthogonally through the gaps between rows
and the margins beside the boxes, which never hold a box; each label goes to the first
spot along its arrow that covers no box and no other label. Text sizes are estimates
(the browser wraps the text inside the boxes); the sizes leave room for that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

PAD = 16
BOX_W = 216
MARGIN = 42  # free space left and right of the boxes in a lane: room for arrows
LANE_W = MARGIN * 2 + BOX_W
MIN_GAP = 34  # between rows: room for the horizontal arrow tracks ...
LABEL_GAP = 76  # ... and for a label, below a row whose arrows carry one
STACK_GAP = 12  # between rows of steps in one cell
TRACK = 7  # between parallel arrows
CORNER = 6  # radius of the rounded bends
# Text estimates (system-ui / DejaVu Sans): box text 14px, labels 12px, header 15/13px.
BOX_CHAR_W = 8.7  # semi-bold
BOX_LINE_H = 19
BOX_PAD = 10
BOX_FOOT_H = 26
LABEL_CHARS = 28
LABEL_CHAR_W = 6.9
LABEL_LINE_H = 15
HEAD_NAME_CHAR_W = 9.0
HEAD_ROLE_CHAR_W = 7.6


class LevelLike(Protocol):
    id: int
    name: str
    roles: list


class StepLike(Protocol):
    id: int
    level_id: int
    position: int
    kind: str
    text: str


class ArrowLike(Protocol):
    id: int
    source_id: int
    target_id: int
    label: str


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: "Rect", margin: float = 0) -> bool:
        return not (self.right + margin <= other.x or other.right + margin <= self.x
                    or self.bottom + margin <= other.y or other.bottom + margin <= self.y)

    def crossed_by(self, x1: float, y1: float, x2: float, y2: float, margin: float = 0) -> bool:
        """Does the axis-parallel segment (x1, y1)-(x2, y2) run through this rectangle?"""
        seg = Rect(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
        inner = Rect(self.x - margin, self.y - margin, self.w + 2 * margin, self.h + 2 * margin)
        return (seg.x < inner.right and inner.x < seg.right and seg.y < inner.bottom and inner.y < seg.bottom)


@dataclass
class Lane:
    level_id: int
    number: int
    x: float
    w: float


@dataclass
class Box(Rect):
    step_id: int = 0
    rank: int = 0


@dataclass
class Label:
    lines: list[str]
    rect: Rect

    def line_ys(self) -> list[float]:
        """Baselines of the lines, for <tspan>s."""
        return [round(self.rect.y + 4 + LABEL_LINE_H * (i + 1) - 3, 1) for i in range(len(self.lines))]


@dataclass
class Route:
    arrow_id: int
    source_id: int
    target_id: int
    points: list[tuple[float, float]]
    label: Label | None = None

    @property
    def d(self) -> str:
        return _rounded_path(self.points)


@dataclass
class Layout:
    width: float
    height: float
    header_h: float
    lanes: list[Lane] = field(default_factory=list)
    boxes: dict[int, Box] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    ranks: dict[int, int] = field(default_factory=dict)


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by characters; words longer than a line are cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def ranks(steps: Sequence[StepLike], arrows: Iterable[ArrowLike]) -> dict[int, int]:
    """Row of each step: the longest chain of arrows leading to it. Arrows that close a
    cycle (found depth-first, from the start steps on) do not count."""
    ids = [s.id for s in steps]
    known = set(ids)
    succ: dict[int, list[int]] = defaultdict(list)
    for a in arrows:
        if a.source_id in known and a.target_id in known and a.source_id != a.target_id:
            succ[a.source_id].append(a.target_id)
    state: dict[int, int] = {}  # 1: on the path being explored, 2: done
    postorder: list[int] = []
    dag: dict[int, list[int]] = defaultdict(list)
    for root in ids:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    continue  # closes a cycle
                dag[node].append(child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                postorder.append(node)
                stack.pop()
    rank = dict.fromkeys(ids, 0)
    for node in reversed(postorder):
        for child in dag[node]:
            rank[child] = max(rank[child], rank[node] + 1)
    return rank


def box_height(text: str, width: float = BOX_W) -> float:
    """The text wraps in the browser; this estimates its lines generously, plus the foot (count, edit)."""
    lines = len(wrap(text, int((width - 2 * BOX_PAD) / BOX_CHAR_W)))
    return BOX_PAD * 2 + lines * BOX_LINE_H + BOX_FOOT_H


def header_height(levels: Sequence[LevelLike], widths: Sequence[float]) -> float:
    """Room for the tallest level's number, name, example roles and buttons."""
    tallest = 0.0
    for level, width in zip(levels, widths):
        name_lines = len(wrap(level.name, int((width - 60) / HEAD_NAME_CHAR_W)))
        roles = ", ".join(level.roles or [])
        role_lines = len(wrap(roles, int((width - 24) / HEAD_ROLE_CHAR_W))) if roles else 0
        tallest = max(tallest, 14 + name_lines * 21 + role_lines * 19 + 38)
    return tallest


def layout(levels: Sequence[LevelLike], steps: Sequence[StepLike], arrows: Sequence[ArrowLike]) -> Layout:
    level_index = {level.id: i for i, level in enumerate(levels)}
    steps = [s for s in steps if s.level_id in level_index]
    known = {s.id for s in steps}
    arrows = [a for a in arrows if a.source_id in known and a.target_id in known and a.source_id != a.target_id]
    # Start steps first: the depth-first walk then follows the flow the way a case does.
    ordered = sorted(steps, key=lambda s: (s.kind != "start", level_index[s.level_id], s.position, s.id))
    rank = ranks(ordered, arrows)

    cells: dict[tuple[int, int], list[StepLike]] = defaultdict(list)
    for s in sorted(steps, key=lambda s: (s.position, s.id)):
        cells[(s.level_id, rank[s.id])].append(s)
    lanes = [Lane(level.id, i + 1, PAD + i * LANE_W, LANE_W) for i, level in enumerate(levels)]
    width = PAD * 2 + LANE_W * max(1, len(levels))
    header_h = header_height(levels, [lane.w for lane in lanes])
    row_count = max(rank.values(), default=-1) + 1
    heights = {s.id: box_height(s.text) for s in steps}
    cell_h = {key: sum(heights[s.id] for s in cell) + STACK_GAP * (len(cell) - 1) for key, cell in cells.items()}
    row_h = [max((h for (lvl, r), h in cell_h.items() if r == row), default=0) for row in range(row_count)]

    # Which gaps the arrows use decides how tall each gap is (gap k lies above row k).
    plan = _plan(arrows, rank, cells)
    gap_h = []
    for gap in range(row_count + 1):
        tracks = len({key for (g, key) in plan.tracks if g == gap})
        h = max(MIN_GAP, (tracks - 1) * TRACK + 26)
        if gap in plan.labelled_gaps:
            h = max(h, LABEL_GAP)
        gap_h.append(h)
    row_top: list[float] = []
    y = PAD + header_h + gap_h[0]
    for row, h in enumerate(row_h):
        row_top.append(y)
        y += h + gap_h[row + 1]
    height = y + PAD

    boxes: dict[int, Box] = {}
    cell_of: dict[int, tuple[int, int]] = {}
    for (level_id, row), cell in cells.items():
        lane = lanes[level_index[level_id]]
        top = row_top[row] + (row_h[row] - cell_h[(level_id, row)]) / 2
        for s in cell:
            boxes[s.id] = Box(lane.x + MARGIN, round(top, 1), BOX_W, heights[s.id], step_id=s.id, rank=row)
            cell_of[s.id] = (level_id, row)
            top += heights[s.id] + STACK_GAP

    gap_mid = []
    for gap in range(row_count + 1):
        gap_mid.append((row_top[gap] if gap < row_count else height - PAD) - gap_h[gap] / 2)
    result = Layout(width=width, height=height, header_h=header_h, lanes=lanes, boxes=boxes, ranks=rank)
    result.routes = _route(arrows, plan, boxes, cells, cell_of, lanes, level_index, gap_mid)
    _place_labels(result, arrows)
    return result


# -- arrows -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    # arrow id -> (gap below the source's row, gap above the target's row); None: same cell
    gaps: dict[int, tuple[int, int] | None] = field(default_factory=dict)
    # (gap, track key) in order of first use; arrows to one target share a track (they merge)
    tracks: dict[tuple[int, object], int] = field(default_factory=dict)
    labelled_gaps: set[int] = field(default_factory=set)

    def track(self, gap: int, key: object) -> None:
        self.tracks.setdefault((gap, key), len(self.tracks))


def _destination(target_id: int, cells, cell_of) -> tuple:
    """Where an arrow goes in: the top of its target, or, for a step with others stacked above
    it, the side of its stack (all such arrows share one line there, like a comb)."""
    cell = cell_of[target_id]
    return ("step", target_id) if cells[cell][0].id == target_id else ("stack", cell)


def _plan(arrows: Sequence[ArrowLike], rank: dict[int, int], cells) -> _Plan:
    plan = _Plan()
    cell_of = {s.id: key for key, cell in cells.items() for s in cell}
    for a in sorted(arrows, key=lambda a: (rank[a.source_id], a.source_id, rank[a.target_id], a.id)):
        if cell_of[a.source_id] == cell_of[a.target_id]:
            plan.gaps[a.id] = None
            continue
        g_out, g_in = rank[a.source_id] + 1, rank[a.target_id]
        plan.gaps[a.id] = (g_out, g_in)
        dest = _destination(a.target_id, cells, cell_of)
        if g_out == g_in:
            plan.track(g_out, ("to", dest))
        else:
            plan.track(g_out, ("arrow", a.id))
            plan.track(g_in, ("to", dest))
        if (a.label or "").strip():
            plan.labelled_gaps.add(g_out)
    return plan


def _route(arrows, plan: _Plan, boxes, cells, cell_of, lanes, level_index, gap_mid) -> list[Route]:
    def lane_of(step_id: int) -> Lane:
        return lanes[level_index[cell_of[step_id][0]]]

    def dest(a) -> tuple:
        return _destination(a.target_id, cells, cell_of)

    def blocked(step_id: int, below: bool) -> bool:
        """Is there another box of the same cell right below (or above) this one?"""
        b = boxes[step_id]
        for other in boxes.values():
            if other.step_id == step_id or cell_of[other.step_id] != cell_of[step_id]:
                continue
            if other.x < b.right and b.x < other.right and ((other.y > b.y) if below else (other.y < b.y)):
                return True
        return False

    # Tracks: the parallel lines in each gap, centred on the gap's middle.
    per_gap: dict[int, list[object]] = defaultdict(list)
    for (gap, key) in sorted(plan.tracks, key=lambda gk: plan.tracks[gk]):
        per_gap[gap].append(key)
    track_y: dict[tuple[int, object], float] = {}
    for gap, keys in per_gap.items():
        for i, key in enumerate(keys):
            track_y[(gap, key)] = round(gap_mid[gap] + (i - (len(keys) - 1) / 2) * TRACK, 1)

    # Where arrows leave a box's bottom edge: spread, in the order of their targets, so they do not cross.
    out_bottom: dict[int, list] = defaultdict(list)
    for a in arrows:
        if plan.gaps[a.id] is not None and not blocked(a.source_id, below=True):
            out_bottom[a.source_id].append(a)
    exit_x: dict[int, float] = {}
    for sid, group in out_bottom.items():
        # One exit per destination: arrows into one stack leave together.
        order: list[tuple] = []
        for a in sorted(group, key=lambda a: (boxes[a.target_id].cx, boxes[a.target_id].y)):
            if dest(a) not in order:
                order.append(dest(a))
        b = boxes[sid]
        for a in group:
            i = order.index(dest(a))
            exit_x[a.id] = round(b.x + b.w * (i + 1) / (len(order) + 1), 1)

    margin_use: dict[tuple, float] = {}
    corridor_use: dict[tuple, float] = {}

    def margin_x(lane: Lane, side: str, key: object) -> float:
        """A vertical line in a lane's margin; arrows with the same key share it."""
        slot = (lane.number, side, key)
        if slot not in margin_use:
            k = sum(1 for s in margin_use if s[:2] == (lane.number, side))
            base = lane.x + MARGIN / 2 if side == "left" else lane.x + lane.w - MARGIN / 2
            margin_use[slot] = round(base + _offset(k, MARGIN / 2 - 4), 1)
        return margin_use[slot]

    def heading(source: int, target: int) -> str:
        ls, lt = lane_of(source), lane_of(target)
        return "left" if lt.number < ls.number else "right"

    def exit_side(step_id: int) -> str:
        """The side most of this step's arrows leave by (towards their targets' levels)."""
        sides = [heading(a.source_id, a.target_id) for a in arrows if a.source_id == step_id]
        return "left" if sides.count("left") > sides.count("right") else "right"

    all_boxes = list(boxes.values())

    def free(x: float, y1: float, y2: float) -> bool:
        return not any(b.crossed_by(x, y1, x, y2, margin=3) for b in all_boxes)

    routes = []
    for a in arrows:
        s, t = boxes[a.source_id], boxes[a.target_id]
        ls, lt = lane_of(a.source_id), lane_of(a.target_id)
        gaps = plan.gaps[a.id]
        if gaps is None:
            # Same cell (only if ranks were given by hand: arrows always lead to a later row).
            side = "right"
            mx = margin_x(ls, side, ("cell", a.id))
            sx = s.right if side == "right" else s.x
            tx = t.right if side == "right" else t.x
            routes.append(Route(a.id, a.source_id, a.target_id, _simplify([(sx, s.cy), (mx, s.cy), (mx, t.cy), (tx, t.cy)])))
            continue
        g_out, g_in = gaps
        if g_out == g_in:
            y1 = y2 = track_y[(g_out, ("to", dest(a)))]
        else:
            y1, y2 = track_y[(g_out, ("arrow", a.id))], track_y[(g_in, ("to", dest(a)))]
        # A box with others below it in its cell is left by the side facing the target, one
        # with others above it entered from the other side: each side of a stack then holds
        # one "comb" of lines (arrows to one target, or from one source, share a line).
        toward = heading(a.source_id, a.target_id)
        if a.id in exit_x:
            head = [(exit_x[a.id], s.bottom), (exit_x[a.id], y1)]
        else:
            mx = margin_x(ls, toward, ("out", a.target_id))
            head = [(s.right if toward == "right" else s.x, s.cy), (mx, s.cy), (mx, y1)]
        if not blocked(a.target_id, below=False):
            tail = [(t.cx, y2), (t.cx, t.y)]
        else:
            if lt.number != ls.number:
                side = "left" if toward == "right" else "right"  # facing the source
            else:
                side = "left" if exit_side(a.target_id) == "right" else "right"  # away from its own exits
            mx = margin_x(lt, side, ("in", dest(a)))
            tail = [(mx, y2), (mx, t.cy), (t.right if side == "right" else t.x, t.cy)]
        xa, xb = head[-1][0], tail[0][0]
        middle: list[tuple[float, float]] = []
        if y1 != y2:
            xv = next((x for x in (xb, xa) if free(x, y1, y2)), None)
            if xv is None:
                # The edges between lanes never hold a box; take the one nearest the target.
                edges = sorted({ln.x for ln in lanes} | {lanes[-1].x + lanes[-1].w}, key=lambda e: (abs(e - xb), e))
                slot = (edges[0], a.target_id)
                if slot not in corridor_use:
                    k = sum(1 for c in corridor_use if c[0] == edges[0])
                    corridor_use[slot] = round(edges[0] + _offset(k, MARGIN - 4), 1)
                xv = corridor_use[slot]
            middle = [(xv, y1), (xv, y2)]
        routes.append(Route(a.id, a.source_id, a.target_id, _simplify(head + middle + tail)))
    return routes


def _offset(k: int, limit: float) -> float:
    """0, +7, -7, +14, ...: parallel lines around a centre line, never further out than `limit`
    (beyond it they would run into the boxes, so the lines start to share)."""
    steps = max(0, int(limit // TRACK))
    k = k % (2 * steps + 1)
    return (k + 1) // 2 * (1 if k % 2 else -1) * TRACK


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        p = (round(p[0], 1), round(p[1], 1))
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == p[0]) or (y0 == y1 == p[1]):
                out[-1] = p  # collinear: drop the middle point
                continue
        out.append(p)
    return out


def _rounded_path(points: list[tuple[float, float]]) -> str:
    if not points:
        return ""
    parts = [f"M{points[0][0]:g} {points[0][1]:g}"]
    for i in range(1, len(points) - 1):
        (x0, y0), (x1, y1), (x2, y2) = points[i - 1], points[i], points[i + 1]
        r = min(CORNER, _dist(x0, y0, x1, y1) / 2, _dist(x1, y1, x2, y2) / 2)
        ax, ay = _toward(x1, y1, x0, y0, r)
        bx, by = _toward(x1, y1, x2, y2, r)
        parts.append(f"L{ax:g} {ay:g}Q{x1:g} {y1:g} {bx:g} {by:g}")
    parts.append(f"L{points[-1][0]:g} {points[-1][1]:g}")
    return "".join(parts)


def _dist(x0: float, y0: float, x1: float, y1: float) -> float:
    return abs(x1 - x0) + abs(y1 - y0)  # segments are axis-parallel


def _toward(x: float, y: float, tx: float, ty: float, r: float) -> tuple[float, float]:
    d = _dist(x, y, tx, ty) or 1
    return round(x + (tx - x) * r / d, 1), round(y + (ty - y) * r / d, 1)


# -- labels -------------------------------------------------------------------------------------


def _place_labels(result: Layout, arrows: Sequence[ArrowLike]) -> None:
    labels = {a.id: a.label.strip() for a in arrows if (a.label or "").strip()}
    obstacles: list[Rect] = [Rect(b.x, b.y, b.w, b.h) for b in result.boxes.values()]
    obstacles.append(Rect(0, 0, result.width, PAD + result.header_h))
    canvas = Rect(0, 0, result.width, result.height)
    placed: list[Rect] = []
    segments = {r.arrow_id: list(zip(r.points, r.points[1:])) for r in result.routes}
    for route in result.routes:
        text = labels.get(route.arrow_id)
        if not text:
            continue
        lines = wrap(text, LABEL_CHARS)
        w = round(max(len(line) for line in lines) * LABEL_CHAR_W + 12, 1)
        h = len(lines) * LABEL_LINE_H + 8
        others = [seg for aid, segs in segments.items() if aid != route.arrow_id for seg in segs]
        candidates = list(_candidates(route.points, w, h))

        def fits(rect: Rect, strict: bool) -> bool:
            if rect.x < 0 or rect.y < 0 or rect.right > canvas.right or rect.bottom > canvas.bottom:
                return False
            if any(rect.overlaps(o, 3) for o in obstacles) or any(rect.overlaps(p, 2) for p in placed):
                return False
            # A label that covers another arrow's line seems to belong to that arrow: avoid it if we can.
            return not strict or not any(rect.crossed_by(x0, y0, x1, y1) for (x0, y0), (x1, y1) in others)

        chosen = next((r for r in candidates if fits(r, True)), None) or next((r for r in candidates if fits(r, False)), None)
        chosen = chosen or (candidates[0] if candidates else None)
        if chosen is None:
            continue
        placed.append(chosen)
        route.label = Label(lines, chosen)


def _candidates(points: list[tuple[float, float]], w: float, h: float) -> Iterable[Rect]:
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if _dist(x0, y0, x1, y1) < 12:
            continue
        for f in (0.5, 0.3, 0.7, 0.15, 0.85):
            px, py = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
            if y0 == y1:  # horizontal: on the line, above it, below it
                yield Rect(round(px - w / 2, 1), round(py - h / 2, 1), w, h)
                yield Rect(round(px - w / 2, 1), round(py - h - 3, 1), w, h)
                yield Rect(round(px - w / 2, 1), round(py + 3, 1), w, h)
            else:  # vertical: beside the line
                yield Rect(round(px + 6, 1), round(py - h / 2, 1), w, h)
                yield Rect(round(px - 6 - w, 1), round(py - h / 2, 1), w, h)
                yield Rect(round(px - w / 2, 1), round(py - h / 2, 1), w, h)
    # Crowded: slide sideways from the start of the arrow, a little further each time.
    (x0, y0), (x1, y1) = points[0], points[1] if len(points) > 1 else points[0]
    px, py = (x0 + x1) / 2, (y0 + y1) / 2
    for shift in range(20, 321, 20):
        for sign in (1, -1):
            yield Rect(round(px - w / 2 + sign * shift, 1), round(py - h / 2, 1), w, h)
