"""Export in real Chromium: the facilitator makes the PDF report and lets a phone export too."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_live_board import add_card, create_workshop, join

PDF_WAIT = 120_000  # a bound on the wait for the worker, not a speed requirement


def test_facilitator_makes_the_pdf_and_lets_participants_export(pages, server):
    fac = pages.open(DESKTOP)
    join_link = create_workshop(fac, server, "Hulp vragen bij de zorgapp")
    phone = pages.open(PHONE)
    join(phone, join_link, "Anna", "begeleider")
    add_card(phone, "Cliënt merkt dat de app niet opent")

    # Participants do not see export until the facilitator allows it.
    expect(phone.locator("#export-panel")).to_be_hidden()
    expect(phone.locator("#export-menu")).to_be_hidden()
    fac.locator("#export-menu > summary").click()  # the export menu in the bar
    panel = fac.locator("#export-panel")
    expect(panel).to_be_visible()

    panel.get_by_role("button", name="PDF-verslag").click()
    status = fac.locator("#pdf-status")
    expect(status).to_contain_text("wordt gemaakt")
    # The board stays live while the worker makes the PDF.
    add_card(phone, "Nog een kaart tijdens het maken", cell=1)
    expect(fac.locator("article", has_text="Nog een kaart tijdens het maken")).to_be_visible()
    download_link = status.get_by_role("link", name="PDF downloaden")
    expect(download_link).to_be_visible(timeout=PDF_WAIT)
    with fac.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.startswith("hulp-vragen-bij-de-zorgapp-")
    assert download.value.suggested_filename.endswith(".pdf")

    # The facilitator's switch reaches the phone live.
    fac.get_by_label("Deelnemers mogen ook exporteren").check()
    phone.locator("#export-menu > summary").click()
    expect(phone.locator("#export-panel")).to_be_visible()
    expect(phone.get_by_label("Deelnemers mogen ook exporteren")).to_be_hidden()
    with phone.expect_download() as csv_download:
        phone.get_by_role("link", name="Kaarten (CSV voor Excel)").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    fac.get_by_label("Deelnemers mogen ook exporteren").uncheck()
    expect(phone.locator("#export-panel")).to_be_hidden()
    assert pages.console_errors == []


def test_start_a_workshop_from_a_file_on_the_home_page(pages, server, tmp_path):
    fac = pages.open(DESKTOP)
    create_workshop(fac, server, "Vorig jaar")
    add_card(fac, "Een kaart van vorig jaar")
    fac.locator("#export-menu > summary").click()
    with fac.expect_download() as download:
        fac.get_by_role("link", name="Workshopbestand (JSON)").click()
    saved = tmp_path / "vorig-jaar.json"
    download.value.save_as(saved)

    other = pages.open(DESKTOP)
    other.goto(server.url + "/")
    other.get_by_label("Workshopbestand (JSON)").set_input_files(str(saved))
    other.get_by_role("button", name="Importeren en beginnen").click()
    expect(other.locator("article", has_text="Een kaart van vorig jaar")).to_be_visible()
    expect(other.locator(".board-title")).to_have_text("Vorig jaar")
    expect(other.locator("#export-menu")).to_be_visible()  # the importer is the facilitator

    # A wrong file: the message in the form, in Dutch, and the page stays.
    bad = tmp_path / "kapot.json"
    bad.write_text("{ kapot")
    other.goto(server.url + "/")
    other.get_by_label("Workshopbestand (JSON)").set_input_files(str(bad))
    other.get_by_role("button", name="Importeren en beginnen").click()
    expect(other.locator("#import-error")).to_contain_text("er staat geen geldige JSON in")
    # Chromium logs the refused upload's 422; nothing else may go wrong.
    assert [e for e in pages.console_errors if "422" not in e] == []
