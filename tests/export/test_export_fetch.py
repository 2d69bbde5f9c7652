"""WeasyPrint fetches nothing but the app's own static files: not from card text, and not
even from HTML that was injected unescaped (the fetcher itself refuses)."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.export.pdf import html_to_pdf, render_pdf, static_fetcher_class
from app.export.report import synthetic_report
from app.templating import STATIC_DIR, environment

SECRET = Path("/etc/passwd")


@pytest.fixture
def spy():
    """An HTTP server on 127.0.0.1 that records every request it gets (and would serve an image)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_spy_server_does_record_a_fetch(spy):
    """The check below means something: with WeasyPrint's default fetcher, the spy sees the request."""
    import weasyprint

    url, seen = spy
    weasyprint.HTML(string=f'<img src="{url}/default.svg">').write_pdf()
    assert seen == ["/default.svg"]


def test_card_text_with_html_fetches_nothing(spy):
    url, seen = spy
    report = synthetic_report(cards=4)
    report.cards[0].text = f'<img src="{url}/card.png"> <link rel="attachment" href="file://{SECRET}">'
    report.cards[1].text = f'<style>@import url({url}/card.css);</style><iframe src="{url}/frame"></iframe>'
    report.phases[0].name = f'<img src="{url}/phase.png">'
    report.title = f'<object data="{url}/title"></object>'
    pdf = render_pdf(report, "nl")
    assert seen == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.attachments) == 0
    # Shown as text, exactly as typed.
    assert "<img src=" in "".join(page.extract_text() for page in reader.pages)


def test_the_fetcher_itself_refuses_injected_html(spy):
    """HTML with autoescape on, but the attack put in as markup (`|safe`): the fetcher is the wall."""
    url, seen = spy
    attack = f"""
      <link rel="stylesheet" href="{url}/sheet.css">
      <style>
        @import url("{url}/import.css");
        @font-face {{ font-family: X; src: url("{url}/font.woff"); }}
        body {{ background: url("{url}/background.png"); }}
      </style>
      <img src="{url}/image.png"> <img src="https://example.org/remote.png">
      <img src="file://{SECRET}"> <img src="file://{STATIC_DIR}/../../../../../..{SECRET}">
      <img src="file://{STATIC_DIR}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e{SECRET}">
      <img src="data:image/svg+xml;base64,PHN2Zy8+">
      <a rel="attachment" href="file://{SECRET}">passwd</a>
      <link rel="attachment" href="{url}/attachment.bin">
      <object data="{url}/object.svg"></object> <embed src="{url}/embed.svg">
      <svg><image href="{url}/svg-image.png" width="5" height="5"/></svg>
      <img src="favicon.svg" alt="ours">
    """
    html = environment().from_string("<!doctype html><html><body>{{ attack|safe }}</body></html>").render(attack=attack)
    fetcher = static_fetcher_class()()
    pdf = html_to_pdf(html, fetcher)
    assert seen == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.attachments) == 0
    assert b"root:" not in pdf
    refused = " ".join(fetcher.refused)
    for name in ("sheet.css", "import.css", "image.png", "remote.png", "attachment.bin", "passwd", "data:"):
        assert name in refused, f"{name} was not even attempted, so this test proves nothing for it"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.png",
    "ftp://example.org/x",
    "data:text/plain,hello",
    f"file://{SECRET}",
    f"file://localhost{SECRET}",
    f"file://otherhost{STATIC_DIR}/app.css",
    f"file://{STATIC_DIR}/../config.py",
    f"file://{STATIC_DIR}/%2E%2E/config.py",
    f"file://{STATIC_DIR}",
    f"file://{STATIC_DIR}/does-not-exist.css",
])
def test_fetcher_refuses_every_url_outside_the_static_folder(url):
    fetcher = static_fetcher_class()()
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.css").write_text("body {}")
    (root / "escape.css").symlink_to(SECRET)
    fetcher = static_fetcher_class()(root)
    assert fetcher.fetch(f"file://{root}/ok.css").read() == b"body {}"
    with pytest.raises(ValueError):
        fetcher.fetch(f"file://{root}/escape.css")


def test_fetcher_serves_our_static_files():
    response = static_fetcher_class()().fetch(f"file://{STATIC_DIR}/export.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
