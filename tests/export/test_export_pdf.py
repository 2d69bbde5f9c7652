"""The PDF report, read back: the whole blueprint on one sheet when it fits, split by phases (never
by lanes) when it does not, every card whole; the praatplaat drawn; the action list; tagged PDF;
fonts embedded, Dutch diacritics intact. One rendered PDF per board, shared by the module."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader

from app.chart.default import _spec
from app.export import layout
from app.export.pdf import render_document, render_pdf
from app.export.report import Report, ReportCard, ReportLane, ReportPhase, ReportTag, synthetic_report
from app.export.sections import action_list
from app.i18n import use_locale
from bench.export import TEXTS  # what participants write: the benchmark's realistic texts


def squash(text: str) -> str:
    """Text without any white space: a line break inside a card (or between pages) must not matter."""
    return re.sub(r"\s+", "", text)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from boxes(child)


def classes(box) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


LANES = ["Stappen voor de klant", "Touchpoints met de klant", "Mensen", "Processen", "Technologie"]
PHASES = ["Probleem merken", "Zelf helpen", "Applicatieondersteuning", "Leverancier", "Oplossing", "Fase 6", "Fase 7"]


def default_chart() -> dict:
    """The seed's chart as `report.load_chart` gives it, with a few linked cards."""
    with use_locale("nl"):
        levels, arrows = _spec()
    out: dict = {"title": "Serviceproces bij vragen en technische problemen", "levels": [], "steps": [], "arrows": []}
    ids: dict[str, int] = {}
    for number, (name, roles, steps) in enumerate(levels, 1):
        out["levels"].append({"id": 100 + number, "number": number, "name": name, "roles": roles})
        for position, (key, kind, text) in enumerate(steps):
            ids[key] = len(ids) + 1
            out["steps"].append({"id": ids[key], "level_id": 100 + number, "position": position, "kind": kind,
                                 "text": text, "cards": {"worker": 3, "request": 2, "repair": 1}.get(key, 0)})
    out["arrows"] = [{"id": i, "source_id": ids[a], "target_id": ids[b], "label": label}
                     for i, (a, b, label) in enumerate(arrows, 1)]
    return out


def realistic_report(cards: int = 40) -> Report:
    """A board as a session leaves it: five of seven phases used, most cards on the customer's
    side, one or two sentences each; tags, votes and follow-ups on some; the seed's chart."""
    tags = [ReportTag(i + 1, name, letter, colour) for i, (name, letter, colour) in enumerate([
        ("informeel", "I", "orange"), ("twijfelachtig", "?", "purple"), ("inconsistent", "≠", "red"),
        ("aanname", "A", "blue"), ("handmatig oordeel", "H", "teal"), ("niet-gedocumenteerde kennis", "K", "brown"),
        ("knelpunt", "!", "pink")])]
    phases = [ReportPhase(i + 1, name, trigger="De app doet het niet (goed)" if i == 0 else "",
                          completion="Terugkoppeling over oplossing" if i == 4 else "") for i, name in enumerate(PHASES)]
    lanes = [ReportLane(100 + i, name, "visible" if i < 2 else "backstage") for i, name in enumerate(LANES)]
    people = ["Fatima (digicoach)", "Anna (begeleider)", "Joost (cliënt)", "Mirjam (verpleegkundige)"]
    made = []
    for n in range(cards):
        lane = lanes[(0, 0, 1, 0, 1, 2, 3, 4, 0, 1)[(n // 5 + n) % 10]]  # six of ten on the customer's side
        card_tags = [tags[(n // 4) % 7], tags[(n // 4 + 3) % 7]][: 1 + (n % 8 == 0)] if n % 4 == 0 else []
        made.append(ReportCard(
            id=n + 1, phase_id=phases[n % 5].id, lane_id=lane.id, position=n, text=f"{TEXTS[n % len(TEXTS)]} (k{n + 1})",
            author=people[n % 4], tags=card_tags, votes=(0, 0, 3, 1, 0, 2)[n % 6],
            followup_note="Afspraak vastleggen in het werkoverleg" if n % 8 == 0 else "",
            followup_owner="Fatima" if n % 8 == 0 else "", followup_status="resolved" if n % 16 == 8 else "open",
        ))
    phase_rank = {p.id: i for i, p in enumerate(phases)}
    made.sort(key=lambda c: (phase_rank[c.phase_id], c.lane_id, c.position))
    return Report(title="Hulp vragen bij de zorgapp", language="nl", day=date(2026, 11, 22),
                  exported_at=datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc), facilitators=["Fenna (facilitator)"],
                  participants=people, phases=phases, lanes=lanes, tags=tags, cards=made, votes_per_person=3,
                  chart=default_chart())


@pytest.fixture(scope="module")
def board40():
    """The realistic 40-card board with its chart, rendered once for the module."""
    report = realistic_report(40)
    pdf = render_pdf(report, "nl")
    return report, pdf, page_texts(pdf)


def test_a_40_card_board_is_one_sheet_with_every_phase_lane_the_line_and_card(board40):
    report, _pdf, texts = board40
    sheets = [t for t in texts if re.search(r"Blad \d+ van \d+", t)]
    assert len(sheets) == 1 and "Blad 1 van 1" in sheets[0]
    sheet = squash(sheets[0])
    for name in [p.name for p in report.phases] + [lane.name for lane in report.lanes] + ["Zichtlijn"]:
        assert squash(name) in sheet, name
    missing = [c.text for c in report.cards if squash(c.text) not in sheet]
    assert missing == []
    (page,) = layout.plan(report, layout_words_nl())
    assert page.text_pt >= layout.MIN_TEXT_PT  # scaled to fit, still legible printed


def test_the_praatplaat_page_is_a_drawing_with_its_title(board40):
    report, pdf, texts = board40
    reader = PdfReader(io.BytesIO(pdf))
    number = next(i for i, t in enumerate(texts) if "Serviceproces bij vragen en technische problemen" in t)
    page = reader.pages[number]
    assert page.mediabox.height > page.mediabox.width  # A3 portrait: the chart is taller than wide
    ops = page.get_contents().get_data().decode("latin-1")
    # Vector paths: a rounded box (curves) per step and per label, a line with bends per arrow.
    curves, lines = len(re.findall(r" c\n", ops)), len(re.findall(r" l\n", ops))
    steps, arrows = report.chart["steps"], report.chart["arrows"]
    assert curves >= 4 * len(steps) and lines >= len(arrows)
    text = squash(texts[number])
    for level in report.chart["levels"]:
        assert squash(level["name"]) in text and all(squash(role) in text for role in level["roles"])
    for step in steps:
        assert squash(step["text"])[:20] in text, step["text"]
    assert squash("Oplossen lukt niet. Indienen serviceverzoek.") in text and squash("3 kaarten") in text


def test_the_action_list_holds_each_tagged_card_once_with_all_its_tags(board40):
    report, _pdf, texts = board40
    start = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Actielijst"))
    actions = squash("".join(texts[start:]))
    listed = action_list(report)
    tagged = [c for c in report.cards if c.tags]
    assert {a.card.id for a in listed} >= {c.id for c in tagged}
    assert len(listed) == len({a.card.id for a in listed})  # one entry per card, however many tags
    votes = [a.card.votes for a in listed]
    assert votes == sorted(votes, reverse=True)
    positions = sorted((actions.index(squash(a.card.text)), a.card) for a in listed)
    for (at, card), (end, _next) in zip(positions, positions[1:] + [(len(actions), None)]):
        assert actions.count(squash(card.text)) == 1
        assert all(squash(tag.name) in actions[at:end] for tag in card.tags), card.text
    assert squash("Afspraak vastleggen in het werkoverleg") in actions
    # The drawn summary: tagged cards per tag and per phase.
    assert squash("Gelabelde kaarten per label en per fase") in squash(texts[start])


def test_the_pdf_is_tagged_with_its_language_and_title(board40):
    report, pdf, _texts = board40
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "nl"
    assert reader.metadata.title == report.title
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()  # PDF/UA, said in the XMP metadata


@pytest.fixture(scope="module")
def big():
    """A 300-card board (texts of 2 to 40 words, tags, votes), laid out once for the whole module."""
    report = synthetic_report(cards=300)
    document = render_document(report, "nl")
    pdf = document.write_pdf()
    return report, document, pdf, page_texts(pdf)


def test_every_card_of_a_300_card_board_is_whole_within_one_page(big):
    report, _document, _pdf, texts = big
    pages = [squash(t) for t in texts]
    cut = [card.text for card in report.cards if not any(squash(card.text) in page for page in pages)]
    assert cut == [], f"{len(cut)} cards are not whole on any page, e.g. {cut[:2]}"


def test_every_blueprint_sheet_of_a_300_card_board_holds_every_lane_the_line_and_the_legend(big):
    """Split by phases, never by lanes: each sheet has every lane, the line of visibility and the legend."""
    report, _document, _pdf, texts = big
    sheets = [t for t in texts if "Serviceblauwdruk" in t and re.search(r"Blad \d+ van \d+", t)]
    assert len(sheets) > 1  # the board needs several sheets
    for text in sheets:
        for lane in report.lanes:
            assert squash(lane.name) in squash(text), lane.name
        assert "Zichtlijn" in text
        for tag in report.tags:
            assert f"{tag.letter}" in text and squash(tag.name) in squash(text)
        assert squash("Stemmen in de laatste stemronde") in squash(text)


def test_the_planned_sheets_are_the_pages_no_sheet_overflows(big):
    """Had an estimate been short, WeasyPrint would have continued a table on an extra page
    without our sheet header: so the pages between cover and action list are exactly the plan."""
    report, _document, _pdf, texts = big
    planned = layout.plan(report, layout_words_nl())
    sheets = [i for i, t in enumerate(texts) if re.search(r"Blad \d+ van \d+", t)]
    assert sheets == list(range(1, 1 + len(planned)))
    assert all(f"Blad {n} van {len(planned)}" in texts[i] for n, i in enumerate(sheets, 1))
    assert texts[len(planned) + 1].lstrip().startswith("Actielijst")
    # Each sheet holds its phases whole, in order: a group of phases, or one phase continued.
    assert [(p.first_phase, p.last_phase) for p in planned] == sorted((p.first_phase, p.last_phase) for p in planned)


def test_no_card_is_split_and_no_text_runs_out_of_its_cell(big):
    """On the laid-out boxes: each card on one page only, each text line inside its card and its cell."""
    _report, document, _pdf, _texts = big
    pages_of_card: dict[int, set[int]] = {}
    outside = []
    for number, page in enumerate(document.pages):
        page_box = page._page_box
        bottom = page_box.margin_height() - page_box.margin_bottom
        for cell in (b for b in boxes(page_box) if "cell" in classes(b) and b.element_tag == "td"):
            left, right = cell.border_box_x(), cell.border_box_x() + cell.border_width()
            for card in (b for b in boxes(cell) if "card" in classes(b) and b.element_tag == "p"):
                pages_of_card.setdefault(id(card.element), set()).add(number)
                assert card.position_y + card.margin_height() <= bottom + 0.5
                for text in (b for b in boxes(card) if type(b).__name__ == "TextBox"):
                    if text.position_x < left - 0.5 or text.position_x + text.width > right + 0.5:
                        outside.append(text.text)
    assert len(pages_of_card) == 300
    assert [n for n in pages_of_card.values() if len(n) != 1] == []
    assert outside == []


def test_fonts_are_embedded_and_dutch_diacritics_survive(big):
    _report, _document, pdf, texts = big
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
    text = "".join(texts)
    for word in ("cliënt", "één", "geïnformeerd"):
        assert word in text


def test_cover_names_participants_and_facilitator_and_the_footer_numbers_pages(big):
    report, _document, _pdf, texts = big
    cover = texts[0]
    assert report.title in cover and "22 november 2026" in cover
    assert "Fenna (facilitator)" in cover and all(p in cover for p in report.participants)
    assert f"Pagina 1 / {len(texts)}" in cover and f"Pagina {len(texts)} / {len(texts)}" in texts[-1]
    assert "Hulp vragen bij de zorgapp · 22 november 2026" in texts[-1]


def test_the_action_list_of_a_300_card_board_holds_every_tagged_card_with_its_follow_up(big):
    report, _document, _pdf, texts = big
    start = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Actielijst"))
    actions = squash("".join(texts[start:]))
    tagged = [c for c in report.cards if c.tags]
    assert tagged and all(actions.count(squash(c.text)) == 1 for c in tagged)
    assert squash("Bespreken in het werkoverleg") in actions and "opgelost" in actions


def layout_words_nl():
    from app.export.pdf import layout_words
    from app.i18n import use_locale

    with use_locale("nl"):
        return layout_words()


def test_a_wide_board_splits_by_phases_and_repeats_the_lane_headers():
    base = synthetic_report(cards=40, phases=12, lanes=5, seed=3)
    report = replace(base, phases=[replace(p, name=f"Stap {i}") for i, p in enumerate(base.phases, 1)])
    pages = layout.plan(report, layout_words_nl())
    groups = [(p.first_phase, p.last_phase) for p in pages]
    assert len(set(groups)) > 1 and groups == sorted(groups)  # groups of phases, in order
    assert [n for first, last in sorted(set(groups)) for n in range(first, last + 1)] == list(range(1, 13))
    texts = page_texts(render_pdf(report, "nl"))
    sheets = texts[1:1 + len(pages)]
    for (first, last), text in zip(groups, sheets):
        assert (f"Fase {first}–{last} van 12" if first != last else f"Fase {first} van 12") in text
        assert f"Stap {first}" in text and f"Stap {last}" in text
        assert all(f"Stap {n}\n" not in text for n in range(1, 13) if not first <= n <= last)
    # The lane headers are repeated on the sheets of the second group of phases too.
    second = squash("".join(t for (first, _l), t in zip(groups, sheets) if first == 7))
    for lane in report.lanes:
        assert squash(lane.name) in second


def test_a_very_long_word_wraps_inside_its_card():
    report = synthetic_report(cards=0, phases=7, lanes=5)
    long_word = "https://intranet.example.nl/" + "zorgapp-handleiding-" * 12
    report.cards = [ReportCard(id=1, phase_id=report.phases[0].id, lane_id=report.lanes[0].id, position=1,
                               text=long_word, author="Anna (begeleider)")]
    document = render_document(report, "nl")
    grid = document.pages[1]._page_box
    card = next(b for b in boxes(grid) if "card" in classes(b) and b.element_tag == "p")
    lines = [b for b in boxes(card) if type(b).__name__ == "TextBox" and b.text and "zorgapp" in b.text]
    assert len(lines) > 3  # broken over lines, not running into the next column
    right = card.content_box_x() + card.width
    assert all(b.position_x + b.width <= right + 0.5 for b in lines)


def test_phases_without_cards_and_a_board_without_tags_still_make_a_report():
    report = synthetic_report(cards=0, phases=1, lanes=1)
    report.tags = []
    report.phases = [ReportPhase(1, "Alleen deze fase")]
    report.lanes[0] = replace(report.lanes[0], group="backstage")
    texts = page_texts(render_pdf(report, "en"))
    assert "Service blueprint" in texts[1] and "Alleen deze fase" in texts[1]
    assert "No card has a tag." in texts[-1]
    assert "Line of visibility" not in texts[1]  # no visible lane: no line to draw


def test_the_plan_places_every_card_once_in_board_order():
    report = synthetic_report(cards=300, seed=7)
    pages = layout.plan(report, layout_words_nl())
    placed = [card.id for page in pages for row in page.rows for card in row.cards()]
    assert sorted(placed) == sorted(c.id for c in report.cards)
    # In board order within each cell: down the first sub-column, then the next, then the next sheet.
    for phase in report.phases:
        for lane in report.lanes:
            ids = [c.id for page in pages if phase in page.phases for row in page.rows if row.lane.id == lane.id
                   for column in row.cells[phase.id] for c in column]
            assert ids == [c.id for c in report.cell(phase.id, lane.id)]
    # Every sheet holds every lane, the line of visibility once, above the first backstage lane.
    for page in pages:
        assert [row.lane.id for row in page.rows] == [lane.id for lane in report.lanes]
        assert [row.lane.group for row in page.rows if row.line_above] == ["backstage"]


def test_a_board_that_fits_takes_the_largest_type_and_a_phase_with_many_cards_more_columns():
    small, = layout.plan(realistic_report(12), layout_words_nl())
    full, = layout.plan(realistic_report(40), layout_words_nl())
    assert small.text_pt > full.text_pt >= 7.5  # a small board reads larger; 40 cards still read well
    crowded = realistic_report(40)
    crowded.cards = [replace(c, phase_id=crowded.phases[0].id) for c in crowded.cards]
    (page,) = layout.plan(crowded, layout_words_nl())
    assert page.spans[crowded.phases[0].id] > 1 and all(page.spans[p.id] == 1 for p in crowded.phases[1:])


def test_split_column_balances_the_sub_columns():
    assert layout.split_column([10, 10, 10, 10], 2) == [2, 2]
    assert layout.split_column([30, 5, 5, 5, 5], 2) == [1, 4]
    assert layout.split_column([5], 3) == [1, 0, 0]
    assert layout.split_column([], 2) == [0, 0]


def test_a_chart_wider_than_tall_gets_a_landscape_page():
    report = realistic_report(4)
    chart = report.chart
    # Eight levels of one step each, in a row: far wider than tall.
    chart["levels"] = [{"id": 200 + i, "number": i + 1, "name": f"Niveau {i + 1}", "roles": []} for i in range(8)]
    chart["steps"] = [{"id": i + 1, "level_id": 200 + i, "position": 0, "kind": "step", "text": f"Stap {i + 1}", "cards": 0}
                      for i in range(8)]
    chart["arrows"] = []
    reader = PdfReader(io.BytesIO(render_pdf(report, "nl")))
    page = next(p for p in reader.pages if "Serviceproces" in (p.extract_text() or ""))
    assert page.mediabox.width > page.mediabox.height
