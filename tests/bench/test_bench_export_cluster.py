"""The harness's PDF export and scale-out parts (bench/export.py, bench/cluster.py, the report):
the export against the real app, the per-participant process of the client, the new table rows."""

from __future__ import annotations

import asyncio
import math
from array import array

import pytest

from bench import export
from bench.client import AppTarget, Socket, seq_of
from bench.report import ONE_PROCESS, TWO_PROCESSES, TWO_PROCESSES_NOTIFY, render


def test_export_pdf_asks_as_the_browser_does_and_returns_the_pdf(server, facilitator):
    ws = facilitator.create_workshop("Export in de bench")
    phases, lanes = facilitator.cell_ids(ws.slug)
    assert facilitator.add_card(ws.slug, phases[0], lanes[0], "Een kaart voor de PDF").status_code == 200
    pdf = export.export_pdf(facilitator.client, ws.slug, timeout=60)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_the_bench_board_has_realistic_cards_tags_and_follow_ups(server, facilitator):
    """The exported board is what a workshop writes (texts with diacritics, tags, follow-ups), not
    "kaart 7": the PDF's time depends on what it lays out."""
    slug = export.make_board(facilitator.client, "Bench-bord", 17)
    board = facilitator.board(slug)
    texts = [t.get_text() for t in board.select("article.card .card-text")]
    assert len(texts) == 17 and sum("ë" in t or "ï" in t or "é" in t for t in texts) >= 2
    assert {t.rsplit(" (", 1)[0] for t in texts} <= set(export.TEXTS)
    assert max(map(len, texts)) > 150
    tagged = board.select("article.card.tagged")
    assert len(tagged) == 5  # cards 1, 5, 9, 13, 17
    notes = [n.get_text() for n in board.select(".revisit-item .followup .note")]
    assert notes == [export.FOLLOWUP["note"]] * 3  # cards 1, 9 and 17
    export.fill_board(facilitator.client, slug, 20)  # tops up: three more, not twenty
    assert len(facilitator.board(slug).select("article.card")) == 20


def test_the_card_tagged_is_the_one_just_added_also_in_a_cell_that_holds_more():
    cell = '<article class="card" data-card-id="12"></article><article class="card" data-card-id="317"></article>'
    assert export.new_card(cell) == 317 and export.new_card("<p>fout</p>") is None


def test_export_pdf_raises_with_the_servers_words(server, facilitator, make_person):
    ws = facilitator.create_workshop("Niet voor deelnemers")
    anna = make_person()
    anna.join(ws, "Anna")
    with pytest.raises(export.ExportError, match="HTTP 403"):
        export.export_pdf(anna.client, ws.slug, timeout=10)


def test_the_status_fragment_is_parsed_as_the_template_writes_it():
    running = ('<p id="pdf-status" class="pdf-status running" role="status" hx-get="/w/abc/export/pdf/0123456789abcdef" '
               'hx-trigger="every 1s" hx-swap="outerHTML">Het PDF-rapport wordt gemaakt.</p>')
    assert export.job_url(running) == "/w/abc/export/pdf/0123456789abcdef"
    assert export.download_url(running) is None
    done = ('<p id="pdf-status" class="pdf-status done" role="status">Klaar: '
            '<a href="/w/abc/export/pdf/0123456789abcdef/download" download>Download PDF</a></p>')
    assert export.download_url(done) == "/w/abc/export/pdf/0123456789abcdef/download"
    failed = '<p id="pdf-status" class="pdf-status failed" role="alert">Het PDF-rapport kon niet worden gemaakt.</p>'
    with pytest.raises(export.ExportError, match="kon niet worden gemaakt"):
        export.download_url(failed)
    with pytest.raises(export.ExportError):
        export.job_url(failed)


def test_participants_are_spread_over_the_processes_for_http_and_socket(server):
    """Two 'processes' that are one server under two host names: the socket's Origin must be the
    host the participant talks to (the app refuses another), so both halves prove their own URL."""
    other = server.url.replace("127.0.0.1", "localhost")
    target = AppTarget(server.url, urls=[server.url, other], compression=None)

    async def go() -> tuple[list[str], list[int | None], int]:
        board = await target.create_board(0, 4)
        sockets = [await target.open_socket(board, p) for p in board.participants]
        try:
            r = await target.edit(board, board.participants[1], "via het tweede proces", "add")
            seq = seq_of(r.content)
            deadline = asyncio.get_running_loop().time() + 10
            while any(seq not in s.seqs for s in sockets) and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            return ([p.url for p in board.participants], [s.closed_code for s in sockets],
                    sum(seq in s.seqs for s in sockets))
        finally:
            for s in sockets:
                await s.close()
            for p in board.participants:
                await p.http.aclose()

    urls, closed, reached = asyncio.run(go())
    assert urls == [server.url, other, server.url, other]
    assert closed == [None] * 4 and reached == 4


def test_a_later_number_carries_the_changes_folded_into_it():
    """A feed reading another process's changes from the log sends them in one message with the
    last number: cumulative counting takes that message as their arrival; exact counting not."""
    sock = Socket.__new__(Socket)
    sock.seqs, sock.times = array("q", [3, 5, 9, 8, 12]), array("d", [1.0, 2.0, 3.0, 3.5, 4.0])
    assert sock.reached(4, [5, 6, 7, 9, 10, 13]) == {5: 2.0, 6: 3.0, 7: 3.0, 9: 3.0, 10: 4.0}
    assert sock.seen(4) == {5: 2.0, 9: 3.0, 8: 3.5, 12: 4.0}


def _summary(label: str, p50: float, p99: float, **extra) -> dict:
    s = {"label": label, "boards": 25, "people": 40, "edits_per_s": 125.0, "p50": p50, "p95": p99 - 1, "p99": p99,
         "p50_min": p50 - 1, "p50_max": p50 + 1, "p99_min": p99 - 2, "p99_max": p99 + 2, "dropped_total": 0,
         "late_total": 0, "errors_total": 0, "closed_total": 0, "server_cpu": 80.0, "server_ms_per_edit": 6.0,
         "client_cpu": 30.0, "lag_max": 5.0, "msg_bytes": 900.0, "rss_mib": 120.0, "load1": 1.5, "reps": 3}
    return {**s, **extra}


def _results() -> dict:
    machine = {"date": "2025-01-01 00:00 UTC", "commit": "abc1234", "cpu": "Test CPU", "cores": 2, "ram_gib": 8,
               "python": "3.11", "kernel": "6.1", "load_before": [1.0, 1, 1], "load_after": [1.0, 1, 1]}
    during = _summary("target while a 300-card PDF export runs", 20.0, 85.5, cards=300, exports_total=4, steps_s=45,
                      export_ms_p50=2500.0, export_errors=[], watched_p50=22.0, watched_p99=91.0)
    held = {"alone": _summary("5 boards, no export", 18.0, 42.0, boards=5, cards=300, exports_total=0, steps_s=40,
                              export_ms_p50=math.nan, export_errors=[], watched_p50=17.0, watched_p99=40.0),
            "exporting": _summary("5 boards, exporting", 30.0, 120.0, boards=5, cards=300, exports_total=5, steps_s=41,
                                  export_ms_p50=7000.0, export_errors=[], watched_p50=35.0, watched_p99=150.0)}
    rows = [{"cards": 40, "ms": [900.0, 1000.0, 1100.0], "peak_mib": [60.0, 70.0, 80.0], "worker_mib": [50.0, 55.0, 58.0],
             "bytes": 50_000, "status": "ok"},
            {"cards": 300, "status": export.SKIPPED_QUICK}, {"cards": 1000, "status": export.SKIPPED_QUICK}]
    cluster = {"load": "5 boards × 40 participants at 5 edits/s per board", "note": "",
               "rows": [_summary(ONE_PROCESS, 12.0, 40.0, boards=5, edits_per_s=25.0, services_cpu=20.0),
                        _summary(TWO_PROCESSES, 15.0, 48.0, boards=5, edits_per_s=25.0, services_cpu=25.0),
                        _summary(TWO_PROCESSES_NOTIFY, 16.0, 52.0, boards=5, edits_per_s=25.0, services_cpu=math.nan)]}
    return {"machine": machine, "config": {"reps": 3}, "app_export": {"available": True, "rows": rows, "during_export": during,
                                                                  "during_export_held": held},
            "cluster": cluster}


def test_the_report_renders_the_export_and_scale_out_rows():
    table = render(_results())
    assert "| 40 cards (50,000 bytes) | 1000 (900–1100) | 1500 | 58.0 | 80.0 |" in table
    assert f"| 1,000 cards | {export.SKIPPED_QUICK} | 12000 | {export.SKIPPED_QUICK} | {export.SKIPPED_QUICK} |" in table
    assert "| 5 boards × 40 (a load this machine holds), no export | 18.0 / 42.0 (40.0–44.0) | 17.0 / 40.0 | 0 | – |" in table
    assert ("| 5 boards × 40 (a load this machine holds), while it is exported | 30.0 / 120.0 (118.0–122.0) | 35.0 / 150.0 "
            "| 0 | 5 in 41 s (7000) |") in table
    assert "| target load (25×40), while it is exported | 20.0 / 85.5 (83.5–87.5) | 22.0 / 91.0 | 0 | 4 in 45 s (2500) |" in table
    assert ("| 5 boards × 40 while a 300-card PDF export runs: p99 < 100 ms | p99 120.0 ms (118.0–122.0), on the exported "
            "board 150.0 ms (without the export 42.0 / 40.0); 0 dropped, 5 exports ended during it; at the target load "
            "(25×40): p99 85.5 ms, on the exported board 91.0 ms | **not met** |") in table
    r = _results()
    r["app_export"]["during_export_held"]["exporting"].update(p99=95.0, watched_p99=99.0)  # both under 100 ms: met
    assert "on the exported board 99.0 ms (without the export 42.0 / 40.0)" in render(r)
    assert render(r).count("**not met**") == table.count("**not met**") - 1
    assert f"| {ONE_PROCESS} | 5×40 | 25 | 12.0 (11.0–13.0) | 39.0 | 40.0 (38.0–42.0) | 0 / 0 | 0 | 80% (6.0 ms/edit) | 20% |" in table
    assert f"| {TWO_PROCESSES} | 5×40 | 25 |" in table and f"| {TWO_PROCESSES_NOTIFY} | 5×40 | 25 |" in table
    assert ("| two processes (PostgreSQL + Redis): app CPU per edit, both together, ≤ 1.2× one process's; p99 < 50 ms | "
            "6.0 / 6.0 ms = 1.00×; p99 40.0 → 48.0 ms (p50 12.0 → 15.0), dropped 0 → 0 | met |") in table
    r = _results()
    r["cluster"]["rows"][1]["server_ms_per_edit"] = 7.5  # 1.25× one process's CPU per edit: not met
    assert "7.5 / 6.0 ms = 1.25×" in render(r) and render(r).count("**not met**") == table.count("**not met**") + 1


def test_the_report_says_what_did_not_run():
    r = _results()
    r["app_export"]["during_export"] = r["app_export"]["during_export_held"] = export.NOT_YET
    r["cluster"] = {"rows": [], "note": "Not run: postgres not reachable at somewhere.", "load": "x"}
    table = render(r)
    assert f"| 5 boards × 40 while a 300-card PDF export runs: p99 < 100 ms | {export.NOT_YET} | n/a |" in table
    assert "*Not run: postgres not reachable at somewhere.*" in table
    assert "two processes (PostgreSQL + Redis): app CPU per edit" not in table


def test_the_export_step_alone_replaces_only_the_export_table(tmp_path):
    """`make bench-export` writes its rows into the README's bench block, leaving the rest."""
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:start -->\nother table\n\nPDF export, old words.\n\n| PDF export | time |\n|---|---|\n"
                      "| 40 cards | 8648 |\n\nBroadcast latency while ...\n<!-- bench:end -->\n")
    rows = [{"cards": 40, "ms": [1100.0, 1200.0, 1300.0], "peak_mib": [20.0], "worker_mib": [150.0], "bytes": 9000, "status": "ok"},
            {"cards": 1000, "ms": [13000.0], "peak_mib": [30.0], "worker_mib": [250.0], "bytes": 9000, "status": "ok"}]
    machine = {"date": "2026-12-03 18:00 UTC", "commit": "abc1234", "load_before": (0.1, 0, 0), "load_after": (0.2, 0, 0)}
    assert export.replace_export_table(readme, export.export_table(rows, machine))
    text = readme.read_text()
    assert "| 40 cards (9,000 bytes) | 1200 (1100–1300) ✓ | 1500 | 150.0 | 20.0 |" in text
    assert "| 1,000 cards (9,000 bytes) | 13000 (13000–13000) ✗ | 12000 |" in text
    assert "8648" not in text and "other table" in text and "Broadcast latency while ..." in text


def _failover_run(**kw) -> dict:
    run = {"acked": 120, "lost": 0, "failed": 1, "failures": {"HTTP 503": 1}, "retried": 3, "moved": 100, "caught_up": 100,
           "caught_p50": 420.0, "caught_max": 930.0, "reopen_max": 800.0, "older": 0, "dropped": 0, "p50": 90.0, "p99": 1100.0}
    return {**run, **kw}


def test_the_report_renders_the_failover_step_and_judges_its_target():
    """One row per run of the kill of one of two processes; the target (nothing lost, every moved
    socket caught up within 1 s, no older state) is met only if every run meets it."""
    r = _results()
    r["cluster"]["failover"] = {"load": "5 boards × 40", "note": "", "runs": [_failover_run(), _failover_run(caught_max=990.0)]}
    table = render(r)
    assert "| 1 | 120 | 0 | 1 | 100 | 100 | 420 / 930 | 800 | 0 | 0 | 90.0 / 1100.0 |" in table
    assert "2 runs: 0 lost, slowest catch-up 990 ms, 0 older states | met |" in table
    for bad in ({"lost": 1}, {"caught_up": 99}, {"caught_max": 1200.0}, {"older": 2}):
        r["cluster"]["failover"]["runs"] = [_failover_run(), _failover_run(**bad)]
        assert "older states | **not met** |" in render(r), bad


def test_the_report_judges_cpu_per_edit_against_the_relay_and_memory_per_socket():
    r = _results()
    r["app_target"] = _summary("target", 20.0, 45.0, server_ms_per_edit=6.0)
    r["relay_target"] = _summary("relay", 5.0, 10.0, server_ms_per_edit=1.8)
    r["app_memory"] = {"kib_per_conn": 42.0}
    table = render(r)
    assert "| 25×40 at 125 edits/s: p99 < 50 ms, nothing dropped | p99 45.0 ms, 0 dropped, 0 failed | met |" in table
    assert "| at that load, server CPU per edit ≤ 3× the bare relay's | 6.0 / 1.8 ms = 3.3× (p50 20.0 / 5.0 ms) | **not met** |" in table
    assert "| ≤ 40 KiB server memory per idle socket | 42.0 KiB | **not met** |" in table
    r["app_target"]["server_ms_per_edit"], r["app_memory"]["kib_per_conn"] = 5.4, 39.0
    assert "5.4 / 1.8 ms = 3.0× (p50 20.0 / 5.0 ms) | met |" in render(r) and "| 39.0 KiB | met |" in render(r)
