"""The sample report into docs/export (`make export-samples`): the realistic sample board's PDF,
made the way users make it (over HTTP, by the warm worker), its pages as images (cover, blueprint,
praatplaat, action list), the blank template (downloaded as from the home page), and one sheet of
a 300-card board to show how a large board is split by phases."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.export.pdf import render_pdf  # noqa: E402
from app.export.report import synthetic_report  # noqa: E402
from scripts.sample_board import build  # noqa: E402
from tests.support import LiveServer, Person  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "export"
DPI = "60"


def sample_pdf(base_url: str) -> bytes:
    fac, ws, _people = build(base_url)
    fac.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind": "0"})
    ids = [a["data-card-id"] for a in fac.board(ws.slug).select("article.card")]
    for card in (ids[4], ids[4], ids[8], ids[12]):
        fac.post(f"/w/{ws.slug}/cards/{card}/vote")
    fac.post(f"/w/{ws.slug}/votes/end")
    answer = fac.post(f"/w/{ws.slug}/export/pdf").text
    job = re.search(r"/export/pdf/([0-9a-f]{16})", answer).group(1)
    while "running" in fac.get(f"/w/{ws.slug}/export/pdf/{job}").text:
        time.sleep(0.3)
    response = fac.get(f"/w/{ws.slug}/export/pdf/{job}/download")
    response.raise_for_status()
    return response.content


def page_images(pdf: Path, stem: str, first: int | None = None, last: int | None = None) -> None:
    pages = ["-f", str(first), "-l", str(last)] if first else []
    subprocess.run(["pdftoppm", "-r", DPI, "-png", *pages, str(pdf), str(OUT / stem)], check=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            pdf = OUT / "voorbeeld-verslag.pdf"
            pdf.write_bytes(sample_pdf(server.url))
            blank = OUT / "sjabloon.pdf"
            response = Person(server.url).get("/template.pdf")
            response.raise_for_status()
            blank.write_bytes(response.content)
        finally:
            server.stop()
        page_images(pdf, "voorbeeld")
        page_images(blank, "sjabloon")
        big = Path(tmp) / "groot.pdf"
        big.write_bytes(render_pdf(synthetic_report(cards=300), "nl"))
        page_images(big, "groot-bord", 3, 3)
    print("sample report in", OUT)


if __name__ == "__main__":
    main()
