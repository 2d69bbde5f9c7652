"""Export over HTTP: who may export, the PDF made while the board stays live, CSV and JSON
downloads, and importing a workshop file from the home page."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import text

from scripts.sample_board import CARDS, TAGGED, build
from tests import database
from tests.support import Person

DATES = ("exported_at", "created_at", "started_at", "ended_at")


def without_dates(value):
    if isinstance(value, dict):
        return {k: without_dates(v) for k, v in value.items() if k not in DATES}
    if isinstance(value, list):
        return [without_dates(v) for v in value]
    return value


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def sample(server):
    """The realistic sample board (scripts/sample_board.py), built over HTTP once for this module."""
    fac, ws, people = build(server.url)
    return fac, ws, people


def workshops_in_db(server) -> int:
    return database.read(server.data_dir / "sessions", lambda conn: conn.execute(text("SELECT count(*) FROM workshop")).scalar())


def import_file(person: Person, content: bytes, htmx: bool = False, **kw):
    data = {} if htmx else {"_csrf_token": person.csrf}
    headers = {"HX-Target": "import-error"} if htmx else {}
    return person.post("/workshops/import", data=data, files={"file": ("bord.json", content, "application/json")},
                       htmx=htmx, headers=headers, **kw)


def wait_for_pdf(person: Person, slug: str, job: str) -> str:
    """Poll as the page does (every second there); the test's own timeout bounds the wait."""
    while True:
        status = person.get(f"/w/{slug}/export/pdf/{job}").text
        if "running" not in status:
            return status
        time.sleep(0.3)


def test_csv_download_for_dutch_excel(sample):
    fac, ws, _people = sample
    r = fac.get(f"/w/{ws.slug}/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["cache-control"] == "no-store"
    assert re.fullmatch(r"attachment; filename=\"hulp-vragen-bij-de-zorgapp-\d{4}-\d\d-\d\d\.csv\"; "
                        r"filename\*=UTF-8''hulp-vragen-bij-de-zorgapp-\d{4}-\d\d-\d\d\.csv",
                        r.headers["content-disposition"])
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    rows = list(csv.reader(io.StringIO(r.content[3:].decode(), newline=""), delimiter=";"))
    assert rows[0] == ["Fase", "Rij", "Tekst", "Labels", "Auteur", "Stemmen",
                       "Kant van de zichtlijn", "Wat gaan we doen?", "Eigenaar", "Status", "Stappen op de praatplaat"]
    assert all(len(row) == 11 for row in rows)
    assert {text for _p, _l, text, _a in CARDS} <= {row[2] for row in rows[1:]}
    row = next(row for row in rows if row[2] == "Geen vaste afspraak wie eerst helpt")
    assert row[:2] == ["Probleem merken", "Processen"] and row[3] == "informeel, knelpunt" and row[4] == "Fatima (digicoach)"
    # What the action list tracks, so it can be followed up in Excel.
    assert row[6:10] == ["achter de schermen", "Afspraak vastleggen in het werkoverleg", "Fatima", "open"]
    row = next(row for row in rows if row[2] == "Cliënt wacht op terugkoppeling")
    assert row[6:11] == ["zichtbaar", "Terugbelafspraak met leverancier", "Joost", "opgelost", "Terugkoppeling over oplossing."]
    row = next(row for row in rows if row[2] == "Serviceverzoek indienen via het portaal")
    assert row[10] == "Serviceverzoek indienen" and row[9] == ""  # no tag, no follow-up: no status


def test_json_download_is_the_documented_format(sample):
    fac, ws, _people = sample
    r = fac.get(f"/w/{ws.slug}/export.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert 'filename="hulp-vragen-bij-de-zorgapp-' in r.headers["content-disposition"]
    doc = r.json()
    assert doc["format"] == "zichtlijn-workshop" and doc["version"] == 1
    assert [p["name"] for p in doc["phases"]][:2] == ["Probleem merken", "Zelf helpen"]
    assert {c["text"] for c in doc["cards"]} >= {text for _p, _l, text, _a in CARDS} and {"chart", "links"} <= doc.keys()


def test_participants_export_only_when_the_facilitator_allows_it(facilitator, make_person):
    ws = facilitator.create_workshop("Mag iedereen exporteren?")
    anna = make_person()
    anna.join(ws, "Anna")
    panel = anna.board(ws.slug).select_one("#export-panel")
    assert "fac-only" in panel["class"]  # hidden for participants, and refused below
    for path in ("export.csv", "export.json"):
        assert anna.get(f"/w/{ws.slug}/{path}").status_code == 403
    assert anna.post(f"/w/{ws.slug}/export/pdf").status_code == 403
    status = anna.get(f"/w/{ws.slug}/export/pdf/0123456789abcdef", headers={"HX-Request": "true"})
    assert status.status_code == 403 and "hx-trigger" not in status.text  # a poller stops here
    assert "Alleen de facilitator kan deze workshop exporteren" in status.text
    assert anna.get(f"/w/{ws.slug}/export/pdf/0123456789abcdef/download").status_code == 403
    assert anna.post(f"/w/{ws.slug}/export/settings", {"participants": "1"}).status_code == 403

    with anna.socket(ws.slug) as sock:
        sock.drain()
        r = facilitator.post(f"/w/{ws.slug}/export/settings", {"participants": "1"})
        assert r.status_code == 200
        pushed = sock.recv_until(lambda m: 'id="export-panel"' in m)
    panel = BeautifulSoup(pushed, "html.parser").select_one("#export-panel")
    assert "fac-only" not in panel["class"] and panel.select_one("input[name=participants]").has_attr("checked")
    assert anna.get(f"/w/{ws.slug}/export.csv").status_code == 200
    assert anna.get(f"/w/{ws.slug}/export.json").status_code == 200

    facilitator.post(f"/w/{ws.slug}/export/settings", {})
    assert anna.get(f"/w/{ws.slug}/export.csv").status_code == 403
    assert "fac-only" in anna.board(ws.slug).select_one("#export-panel")["class"]


def test_the_pdf_is_made_while_the_board_stays_live(sample, make_person):
    fac, ws, people = sample
    r = fac.post(f"/w/{ws.slug}/export/pdf")
    assert r.status_code == 200
    status = BeautifulSoup(r.text, "html.parser").select_one("#pdf-status")
    assert "wordt gemaakt" in status.get_text() and status["hx-trigger"] == "every 1s"
    job = status["hx-get"].rsplit("/", 1)[1]

    # While the worker runs, a participant's change goes through and is pushed to the board.
    phases, lanes = fac.cell_ids(ws.slug)
    with fac.socket(ws.slug) as sock:
        sock.drain()
        added = people[1].add_card(ws.slug, phases[5], lanes[0], "Toegevoegd terwijl de PDF wordt gemaakt")
        assert added.status_code == 200
        sock.recv_until(lambda m: "Toegevoegd terwijl de PDF wordt gemaakt" in m)
        assert "wordt gemaakt" in fac.get(f"/w/{ws.slug}/export/pdf/{job}").text

    done = BeautifulSoup(wait_for_pdf(fac, ws.slug, job), "html.parser")
    link = done.select_one("#pdf-status a[href$='/download']")
    assert link is not None, done
    pdf = fac.get(link["href"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert re.match(r'attachment; filename="hulp-vragen-bij-de-zorgapp-\d{4}-\d\d-\d\d\.pdf"', pdf.headers["content-disposition"])
    text = squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages))
    for _p, _l, card, _a in CARDS:
        assert squash(card) in text
    for lane in ("Stappen voor de klant", "Touchpoints met de klant", "Mensen", "Processen", "Technologie"):
        assert squash(lane) in text
    for tag in ("informeel", "twijfelachtig", "inconsistent", "aanname", "handmatig oordeel",
                "niet-gedocumenteerde kennis", "knelpunt"):
        assert squash(tag) in text
    assert squash("Fatima (digicoach)") in text and squash("Kennisbank digicoaches opzetten") in text
    # The praatplaat, drawn under the seed's title: every level with its example roles, its steps, the hand-offs.
    for words in ("Serviceproces bij vragen en technische problemen", "Medewerker zorg en ondersteuning",
                  "Contactpersoon leverancier", "Digicoach", "Technisch Servicepunt", "Serviceverzoek indienen",
                  "Terugkoppeling over", "Oplossen lukt niet. Indienen serviceverzoek."):
        assert squash(words) in text, words
    # The action list: every tagged card once, with its follow-up.
    actions = text[text.rindex("Actielijst"):]  # the page, not the contents on the cover
    for card, _tags, followup in TAGGED:
        assert actions.count(squash(card)) == 1 and (followup is None or squash(followup[0]) in actions)


def test_an_unknown_pdf_job_says_so(sample):
    fac, ws, _people = sample
    assert "bestaat niet meer" in fac.get(f"/w/{ws.slug}/export/pdf/0123456789abcdef").text
    assert fac.get(f"/w/{ws.slug}/export/pdf/0123456789abcdef/download").status_code == 404
    assert fac.get(f"/w/{ws.slug}/export/pdf/..%2F..%2Fetc/download").status_code in (403, 404)


def test_import_from_the_home_page_then_export_gives_the_same_content(sample, server):
    fac, ws, people = sample
    fac.post(f"/w/{ws.slug}/votes/start", {"votes": "3"})
    first_card = fac.board(ws.slug).select_one("article.card")["data-card-id"]
    people[0].post(f"/w/{ws.slug}/cards/{first_card}/vote")
    original = fac.get(f"/w/{ws.slug}/export.json").content

    newcomer = Person(server.url)
    r = import_file(newcomer, original, follow_redirects=False)
    assert r.status_code == 303
    slug = r.headers["location"].rsplit("/", 1)[1]
    assert slug != ws.slug
    board = newcomer.board(slug)
    assert board.select_one("body.is-facilitator") is not None  # the importer leads the new workshop
    assert sorted(a.select_one(".card-text").get_text() for a in board.select("article.card")) == \
        sorted(a.select_one(".card-text").get_text() for a in fac.board(ws.slug).select("article.card"))
    again = newcomer.get(f"/w/{slug}/export.json").json()
    assert without_dates(again) == without_dates(json.loads(original))


def test_a_bad_file_gets_a_clear_error_and_writes_nothing(server, make_person):
    person = make_person()
    before = workshops_in_db(server)

    r = import_file(person, b"dit is geen json")
    assert r.status_code == 422
    error = BeautifulSoup(r.text, "html.parser").select_one("#import-error .error-message")
    assert error.get_text(strip=True) == "Dit is geen workshopbestand: er staat geen geldige JSON in."

    english = make_person("en")
    r = import_file(english, json.dumps({"format": "zichtlijn-workshop", "version": 2}).encode(), htmx=True)
    assert r.status_code == 422 and "hx-retarget" not in r.headers  # into the form's own error region
    assert "made by a newer version of Zichtlijn (format version 2)" in r.text

    r = import_file(person, b"{" + b" " * 5_000_001 + b"}")
    assert r.status_code == 413 and "te groot om te importeren (hoogstens 5 MB)" in r.text

    r = import_file(person, b"{" + b" " * 21_000_000 + b"}", htmx=True)
    assert r.status_code == 413 and "te groot om te importeren" in r.text

    assert workshops_in_db(server) == before


def test_exports_follow_the_anonymity_setting(sample):
    fac, ws, _people = sample

    def author_of(text: str) -> str:
        rows = list(csv.reader(io.StringIO(fac.get(f"/w/{ws.slug}/export.csv").content[3:].decode(), newline=""), delimiter=";"))
        return next(row for row in rows if row[2] == text)[4]

    assert author_of("Geen vaste afspraak wie eerst helpt") == "Fatima (digicoach)"
    fac.post(f"/w/{ws.slug}/settings/anonymity", {"value": "roles"})
    assert author_of("Geen vaste afspraak wie eerst helpt") == "digicoach"
    fac.post(f"/w/{ws.slug}/settings/anonymity", {"value": "none"})
    assert author_of("Geen vaste afspraak wie eerst helpt") == ""
    fac.post(f"/w/{ws.slug}/settings/anonymity", {"value": "names"})


def test_the_blank_template_from_the_home_page_and_from_a_board(server, facilitator, make_person):
    """One A3 landscape sheet of the empty blueprint: every phase and lane, the line of visibility,
    the lanes' guiding questions and the five questions; Dutch by default, the board's language
    from a board; linked from the home page and the board."""
    visitor = make_person()
    home = BeautifulSoup(visitor.get("/").text, "html.parser")
    assert home.select_one("a[href='/template.pdf']").get_text(strip=True) == "Leeg sjabloon (PDF, A3)"
    r = visitor.get("/template.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert 'filename="serviceblauwdruk-sjabloon.pdf"' in r.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape, in points
    text = squash(reader.pages[0].extract_text())
    for words in ("Serviceblauwdruk-sjabloon", "Fase 1", "Fase 7", "Stappen voor de klant", "Touchpoints met de klant",
                  "Mensen", "Processen", "Technologie", "Zichtlijn", "Zichtbaar voor klant", "Achter de schermen",
                  "Aanleiding", "Afronding",
                  "Wat doet de klant bij elke stap en wat wil deze bereiken?",
                  "Wat zet elke stap in gang en wat geeft aan dat deze is voltooid?",
                  "Wat ziet de klant en over welke informatie beschikt de klant (of juist niet)?",
                  "Wat gebeurt er achter de schermen om deze stap mogelijk te maken?",
                  "Op welke punten is elke stap afhankelijk van aannames, een handmatig oordeel of niet-gedocumenteerde kennis?",
                  "markeer informele, twijfelachtige of inconsistente processen"):
        assert squash(words) in text, words
    assert reader.trailer["/Root"]["/Lang"] == "nl" and "/StructTreeRoot" in reader.trailer["/Root"]

    ws = facilitator.create_workshop("A board in English", language="en")
    board = facilitator.board(ws.slug)
    link = board.select_one(f"a[href='/w/{ws.slug}/template.pdf']")
    assert link is not None
    r = facilitator.get(f"/w/{ws.slug}/template.pdf")
    assert r.status_code == 200 and 'filename="service-blueprint-template.pdf"' in r.headers["content-disposition"]
    english = PdfReader(io.BytesIO(r.content))
    text = squash(english.pages[0].extract_text())
    for words in ("Service blueprint template", "Phase 7", "Customer touchpoints", "Technology", "Line of visibility",
                  "What does the customer do at each step, and what do they want to achieve?"):
        assert squash(words) in text, words
    assert english.trailer["/Root"]["/Lang"] == "en"
    # Asked again: the kept file, at once.
    assert facilitator.get(f"/w/{ws.slug}/template.pdf").content == r.content
