"""The load harness's own parts that `make test` can check quickly (the harness is `make bench`)."""

from __future__ import annotations

import httpx
from litestar.testing import TestClient

from bench.client import AppTarget, Board, Participant, Worker, seq_of
from bench.profile import summarise_collapsed
from bench.relay import create_relay
from bench.report import END, START, update_readme


def test_seq_of_reads_the_last_board_sequence_number():
    html = '<div id="cards-1-2"></div><div id="board-seq" data-seq="41" hidden hx-swap-oob="true"></div>'
    assert seq_of(html) == 41
    assert seq_of(html.encode()) == 41
    assert seq_of('<section id="presence"></section>') is None


def test_the_bare_relay_numbers_each_edit_and_fans_it_out():
    with TestClient(app=create_relay()) as client, client.websocket_connect("/r/7/ws") as ws:
        first = client.post("/r/7/edit", data={"text": "hallo", "size": 600})
        second = client.post("/r/7/edit", data={"text": "<b>", "size": 0})
        assert (first.status_code, seq_of(first.text), seq_of(second.text)) == (200, 1, 2)
        got = ws.receive_text()
        assert seq_of(got) == 1 and "hallo" in got and len(got) == 600
        assert "&lt;b&gt;" in ws.receive_text()


def test_profile_summary_counts_inclusive_and_own_samples():
    text = "main (app/x.py:1);handler (app/y.py:2) 3\nmain (app/x.py:1) 1\n"
    summary = summarise_collapsed(text)
    assert "4 samples" in summary
    assert "| 100.0% | `main (app/x.py)` |" in summary
    assert "| 75.0% | `handler (app/y.py)` |" in summary


def test_the_readme_block_is_replaced_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold table\n{END}\noutro\n")
    update_readme(readme, "| new |\n")
    assert readme.read_text() == f"intro\n{START}\n| new |\n{END}\noutro\n"


async def test_the_reconnect_storm_step_measures_every_phone_catching_up(server):
    """The harness's storm (make bench): phones of a board drop their sockets, changes are made,
    all come back at once saying what they last saw; each is caught up, none handed an older state."""
    from bench.client import AppTarget, Worker

    worker = Worker(AppTarget(server.url), people=6)
    try:
        await worker.ensure_boards([0])
        await worker.activate([0])
        result = await worker.storm(0, behind=5, wait=10)
    finally:
        await worker.close()
    assert result["sockets"] == result["caught_up"] == 6 and result["errors"] == 0
    assert result["older"] == 0 and 0 <= result["p50_ms"] <= result["max_ms"] < 10_000


async def test_a_move_always_names_another_cell_and_a_steady_board_deletes_instead_of_growing():
    """A move to the card's own cell changes nothing: its answer carries an earlier change's number,
    which the harness would count as that edit's (and, at a step's start, as dropped everywhere)."""
    posted: list[tuple[str, dict]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        posted.append((request.url.path, dict(httpx.QueryParams(request.content.decode()))))
        card = 100 + len(posted)
        return httpx.Response(200, text=f'<article id="card-{card}"></article><div id="board-seq" data-seq="{card}"')

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://app")
    board = Board(0, "bord", [1, 2], [7], [Participant(http)])
    target = AppTarget("http://app")
    await target.edit(board, board.participants[0], "nieuw", "add")
    card, cell = board.cards[0], board.cell_of[board.cards[0]]
    for _ in range(20):
        await target.edit(board, board.participants[0], "weg", "move")
        moved_to = (int(posted[-1][1]["phase_id"]), int(posted[-1][1]["lane_id"]))
        assert posted[-1][0] == f"/w/bord/cards/{card}/move" and moved_to != cell
        cell = moved_to
    worker = Worker(target, 1)
    await worker.steady(1)
    assert {worker._kind(board) for _ in range(200)} <= {"delete", "edit", "move"}
    await http.aclose()
