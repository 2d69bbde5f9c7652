"""File names, the CSV for Dutch Excel, how people are named, the footer's CSS strings."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace
from urllib.parse import unquote

from app.export.cards_csv import cards_csv, safe_cell
from app.export.labels import author_label, content_disposition, file_stem
from app.export.pdf import css_string
from app.export.report import Report, synthetic_report
from app.i18n import use_locale


def test_file_names_are_ascii_with_title_and_date():
    day = date(2026, 11, 22)
    assert file_stem("Hulp vragen bij de zorgapp", day) == "hulp-vragen-bij-de-zorgapp-2026-11-22"
    assert file_stem("Cliënt één: ‘ïdee’ / test?", day) == "client-een-idee-test-2026-11-22"
    assert file_stem("✓✓ ✓", day) == "zichtlijn-2026-11-22"
    assert file_stem("", day) == "zichtlijn-2026-11-22"
    header = content_disposition('Cliënt "hulp"/\\ vragen\r\n', day, "pdf")
    ascii_part, utf8_part = header.split("; filename*=UTF-8''")
    assert ascii_part == 'attachment; filename="client-hulp-vragen-2026-11-22.pdf"'
    assert header.isascii()
    assert unquote(utf8_part) == "cliënt-hulp-vragen-2026-11-22.pdf"
    assert content_disposition("Hulp vragen bij de zorgapp", day, "csv").endswith(
        "filename*=UTF-8''hulp-vragen-bij-de-zorgapp-2026-11-22.csv")


def test_author_label_follows_the_anonymity_setting():
    anna = SimpleNamespace(name="Anna", role_label="begeleider", is_facilitator=False)
    joost = SimpleNamespace(name="Joost", role_label="", is_facilitator=False)
    names, roles, nobody = (SimpleNamespace(anonymity=a) for a in ("names", "roles", "none"))
    assert author_label(anna, names) == "Anna (begeleider)"
    assert author_label(joost, names) == "Joost"
    assert author_label(None, names) == ""
    assert author_label(anna, roles) == "begeleider"
    assert author_label(anna, nobody) == "" and author_label(joost, nobody) == ""


def test_formula_cells_become_text():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    for start in "=+-@\t\r":
        assert safe_cell(start + "1") == "'" + start + "1"
    assert safe_cell("gewoon 1+1=2") == "gewoon 1+1=2"


def test_csv_opens_in_dutch_excel():
    report: Report = synthetic_report(cards=3)
    report.cards[0].text = 'Cliënt zegt: "werkt niet"; belt; =1+1'
    report.cards[1].text = "=HYPERLINK(\"http://evil.example\";\"klik\")"
    report.cards[2].text = "Twee\nregels"
    with use_locale("nl"):
        data = cards_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "").replace("Twee\nregels", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["Fase", "Rij", "Tekst", "Labels", "Auteur", "Stemmen",
                       "Kant van de zichtlijn", "Wat gaan we doen?", "Eigenaar", "Status", "Stappen op de praatplaat"]
    assert len(rows) == 4
    by_text = {row[2]: row for row in rows[1:]}
    assert 'Cliënt zegt: "werkt niet"; belt; =1+1' in by_text  # quoted per RFC 4180, not guarded (no leading =)
    assert "'=HYPERLINK(\"http://evil.example\";\"klik\")" in by_text
    assert "Twee\nregels" in by_text
    card = report.cards[0]
    row = by_text[card.text]
    assert row[3] == ", ".join(t.name for t in card.tags) and row[4] == card.author and row[5] == str(card.votes)
    # The raw bytes quote exactly the fields that need it.
    assert '"Cliënt zegt: ""werkt niet""; belt; =1+1"' in text


def test_csv_headers_follow_the_language():
    with use_locale("en"):
        data = cards_csv(synthetic_report(cards=1))
    assert data[3:].decode().startswith("Phase;Row;Text;Tags;Author;Votes;Side;What will we do?;Owner;Status;Chart steps\r\n")


def test_csv_has_the_side_the_follow_up_and_the_linked_steps():
    report = synthetic_report(cards=2)
    card = report.cards[0]
    card.steps = ["Serviceverzoek indienen", "=Ontvangst"]
    card.followup_note, card.followup_owner, card.followup_status = "Bellen", "-Fatima", "resolved"
    with use_locale("nl"):
        rows = list(csv.reader(io.StringIO(cards_csv(report)[3:].decode(), newline=""), delimiter=";"))
    row = next(r for r in rows if r[2] == card.text)
    side = "zichtbaar" if next(lane for lane in report.lanes if lane.id == card.lane_id).group == "visible" else "achter de schermen"
    assert row[6:] == [side, "Bellen", "'-Fatima", "opgelost", "Serviceverzoek indienen | =Ontvangst"]


def test_css_string_cannot_break_out():
    assert css_string("Pagina") == '"Pagina"'
    assert css_string('a"b\\c</style><x>\n') == '"a\\22 b\\5c c\\3c /style\\3e \\3c x\\3e \\a "'
