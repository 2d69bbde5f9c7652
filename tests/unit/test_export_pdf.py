"""The PDF report, read back: every card whole on one page, nothing running out of its cell,
lane headers on every sheet, the tag legend, fonts embedded, Dutch diacritics intact."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.export import layout
from app.export.pdf import render_document, render_pdf
from app.export.report import ReportCard, ReportPhase, synthetic_report


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


def test_every_lane_name_and_the_tag_legend_are_on_every_blueprint_sheet(big):
    report, _document, _pdf, texts = big
    sheets = [t for t in texts if "Serviceblauwdruk" in t and re.search(r"Blad \d+ van \d+", t)]
    assert len(sheets) > 3  # the board needs several sheets
    for text in sheets:
        for tag in report.tags:
            assert f"{tag.letter}" in text and squash(tag.name) in squash(text)
        assert squash("Stemmen in de laatste stemronde") in squash(text)
    # Every lane's header appears (repeated, "(vervolg)" when a lane continues from an earlier sheet).
    all_text = squash("".join(sheets))
    for lane in report.lanes:
        assert squash(lane.name) in all_text
    assert squash("(vervolg)") in all_text


def test_the_planned_sheets_are_the_pages_no_sheet_overflows(big):
    """Had an estimate been short, WeasyPrint would have continued a table on an extra page
    without our sheet header: so the pages between cover and revisit list are exactly the plan."""
    report, _document, _pdf, texts = big
    planned = layout.plan(report, layout_words_nl())
    sheets = [i for i, t in enumerate(texts) if re.search(r"Blad \d+ van \d+", t)]
    assert sheets == list(range(1, 1 + len(planned)))
    assert all(f"Blad {n} van {len(planned)}" in texts[i] for n, i in enumerate(sheets, 1))
    assert squash("Terugkomen op") in squash(texts[len(planned) + 1])


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
            for card in (b for b in boxes(cell) if "card" in classes(b) and b.element_tag == "div"):
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


def test_revisit_list_holds_every_tagged_card_with_its_follow_up(big):
    report, _document, _pdf, texts = big
    start = next(i for i, t in enumerate(texts) if "Terugkomen op" in t and "Blad" not in t)
    revisit = squash("".join(texts[start:]))
    tagged = [c for c in report.cards if c.tags]
    assert tagged and all(squash(c.text) in revisit for c in tagged)
    assert squash("Bespreken in het werkoverleg") in revisit and "opgelost" in revisit


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
    assert sorted(set(groups)) == [(1, 6), (7, 12)] and groups == sorted(groups)  # all of 1-6, then 7-12
    texts = page_texts(render_pdf(report, "nl"))
    sheets = texts[1:1 + len(pages)]
    for (first, last), text in zip(groups, sheets):
        assert f"Fase {first}–{last} van 12" in text
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
    card = next(b for b in boxes(grid) if "card" in classes(b) and b.element_tag == "div")
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


def test_the_plan_places_every_card_once_in_board_order():
    report = synthetic_report(cards=300, seed=7)
    pages = layout.plan(report, layout_words_nl())
    placed = [card.id for page in pages for row in page.rows for cards in row.cells.values() for card in cards]
    assert sorted(placed) == sorted(c.id for c in report.cards)
    for lane in report.lanes:
        rows = [row for page in pages for row in page.rows if row.lane.id == lane.id]
        # Per sheet group: the first part of a lane is not "continued", the later parts are.
        for first, last in {(p.first_phase, p.last_phase) for p in pages}:
            parts = [row for page in pages for row in page.rows if row.lane.id == lane.id and page.first_phase == first]
            assert [r.continued for r in parts] == [False] + [True] * (len(parts) - 1)
        assert rows
    # A lane that fits on a sheet is never split: it moves to the next sheet whole.
    small = layout.plan(synthetic_report(cards=40, seed=2), layout_words_nl())
    rows = [row for page in small for row in page.rows]
    assert len(small) > 1 and not any(row.continued for row in rows)
    assert sum(row.line_above for row in rows) == 1
