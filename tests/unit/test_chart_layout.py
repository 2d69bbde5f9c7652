"""The chart's drawing is computed on the server: boxes, orthogonal arrows that avoid boxes, labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings, strategies as st

from app.chart.layout import Box, layout, ranks, wrap
from app.chart.service import load_chart
from app.i18n import use_locale
from app.workshops.service import create_workshop


@dataclass
class Level:
    id: int
    name: str = "Niveau"
    roles: list = field(default_factory=list)


@dataclass
class Step:
    id: int
    level_id: int
    position: int = 0
    kind: str = "step"
    text: str = "Een stap"


@dataclass
class Arrow:
    id: int
    source_id: int
    target_id: int
    label: str = ""


def check_drawing(lay, steps, arrows) -> None:
    """No box on another; every arrow starts at its source's edge, ends at its target's edge,
    runs horizontally or vertically only, and passes no other box."""
    boxes = list(lay.boxes.values())
    assert len(boxes) == len(steps)
    for i, a in enumerate(boxes):
        lane = next(lane for lane in lay.lanes if lane.x <= a.x and a.right <= lane.x + lane.w)
        assert lane is not None
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    routed = {r.arrow_id: r for r in lay.routes}
    for arrow in arrows:
        if arrow.source_id == arrow.target_id:
            continue
        route = routed[arrow.id]
        src, dst = lay.boxes[arrow.source_id], lay.boxes[arrow.target_id]
        assert on_edge(src, route.points[0]) and on_edge(dst, route.points[-1]), route.points
        for (x0, y0), (x1, y1) in zip(route.points, route.points[1:]):
            assert x0 == x1 or y0 == y1
            for box in boxes:
                if box.step_id in (arrow.source_id, arrow.target_id):
                    continue
                assert not box.crossed_by(x0, y0, x1, y1), (arrow, box, route.points)


def on_edge(box: Box, point) -> bool:
    x, y = point
    inside_x, inside_y = box.x - 0.2 <= x <= box.right + 0.2, box.y - 0.2 <= y <= box.bottom + 0.2
    return (inside_x and (abs(y - box.y) < 0.2 or abs(y - box.bottom) < 0.2)) or (
        inside_y and (abs(x - box.x) < 0.2 or abs(x - box.right) < 0.2))


async def test_the_default_chart_is_drawn_without_collisions(session, settings):
    with use_locale("nl"):
        ws, _ = await create_workshop(session, settings, "T", "nl", "F")
    await session.commit()
    chart = await load_chart(session, ws)
    lay = chart.layout
    check_drawing(lay, chart.steps, chart.arrows)
    # Levels are columns in order; a case reads from top to bottom.
    assert [lane.level_id for lane in lay.lanes] == [level.id for level in chart.levels]
    by_text = {s.text: s for s in chart.steps}
    order = ["Ik heb een vraag.", "Medewerker zorg en ondersteuning helpt cliënt.", "Serviceverzoek indienen",
             "Ontvangst serviceverzoek", "Oplossen probleem", "Terugkoppeling over oplossing."]
    ys = [lay.boxes[by_text[t].id].y for t in order]
    assert ys == sorted(ys)
    # Every label is drawn, on no box and on no other label.
    labels = [r.label.rect for r in lay.routes if r.label]
    assert len(labels) == sum(1 for a in chart.arrows if a.label)
    for i, rect in enumerate(labels):
        assert not any(rect.overlaps(b) for b in lay.boxes.values()), rect
        assert not any(rect.overlaps(other) for other in labels[i + 1:]), rect
    # The drawing fits a laptop or projector without scaling down.
    assert lay.width <= 1400


def test_ranks_follow_the_arrows_and_survive_cycles():
    steps = [Step(1, 1, kind="start"), Step(2, 1), Step(3, 2), Step(4, 2)]
    arrows = [Arrow(1, 1, 2), Arrow(2, 2, 3), Arrow(3, 3, 4), Arrow(4, 4, 2), Arrow(5, 1, 4)]
    rank = ranks(steps, arrows)
    assert rank == {1: 0, 2: 1, 3: 2, 4: 3}
    lay = layout([Level(1), Level(2)], steps, arrows)
    check_drawing(lay, steps, arrows)
    assert len(lay.routes) == 5


def test_an_empty_chart_and_a_lonely_step():
    assert layout([], [], []).boxes == {}
    lay = layout([Level(1)], [Step(1, 1, text="alleen")], [])
    assert list(lay.boxes) == [1] and lay.routes == []


def test_wrap():
    assert wrap("Het lijkt geen technisch probleem, maar ik heb hulp nodig.", 28) == [
        "Het lijkt geen technisch", "probleem, maar ik heb hulp", "nodig."]
    assert wrap("Supercalifragilisticexpialidocious", 10) == ["Supercalif", "ragilistic", "expialidoc", "ious"]
    assert wrap("", 10) == [""]


@st.composite
def charts(draw):
    n_levels = draw(st.integers(1, 5))
    levels = [Level(i + 1, name=draw(st.text(min_size=1, max_size=60))) for i in range(n_levels)]
    n_steps = draw(st.integers(1, 16))
    steps = [
        Step(i + 1, draw(st.integers(1, n_levels)), position=draw(st.integers(0, 5)),
             kind=draw(st.sampled_from(["start", "step", "end"])), text=draw(st.text(min_size=1, max_size=120)))
        for i in range(n_steps)
    ]
    pairs = draw(st.lists(st.tuples(st.integers(1, n_steps), st.integers(1, n_steps)), max_size=30, unique=True))
    arrows = [Arrow(i + 1, s, t, label=draw(st.text(max_size=60))) for i, (s, t) in enumerate(pairs) if s != t]
    return levels, steps, arrows


@settings(max_examples=150, deadline=None)
@given(charts())
def test_any_chart_is_drawn_without_arrows_through_boxes(chart):
    levels, steps, arrows = chart
    lay = layout(levels, steps, arrows)
    check_drawing(lay, steps, arrows)
    assert 0 < lay.width and 0 < lay.height
    for route in lay.routes:
        assert route.d.startswith("M")
