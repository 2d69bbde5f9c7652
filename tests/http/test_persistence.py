"""Everything is stored: a restart (clean or kill -9) loses no workshop, card or member."""

from __future__ import annotations

import pytest

from tests.support import LiveServer, Person, card_texts


@pytest.mark.parametrize("stop", ["terminate", "kill -9"])
def test_restart_keeps_workshops_cards_and_members(tmp_path, stop):
    server = LiveServer(tmp_path).start()
    try:
        fac = Person(server.url)
        ws = fac.create_workshop("Blijft bewaard")
        anna = Person(server.url)
        anna.join(ws, "Anna")
        phases, lanes = fac.cell_ids(ws.slug)
        texts = [f"kaart {i} ë" for i in range(12)]
        for i, text in enumerate(texts):
            assert anna.add_card(ws.slug, phases[i % 7], lanes[i % 5], text).status_code == 200
        fac.post(f"/w/{ws.slug}/phases/{phases[0]}", {"name": "Hernoemd", "trigger": "a", "completion": "b"})
        before = fac.get(f"/w/{ws.slug}").text
        server.kill() if stop == "kill -9" else server.stop()

        server = LiveServer(tmp_path, port=server.port).start()
        # The same browsers, with their cookies, find everything as it was.
        after_fac = fac.board(ws.slug)
        assert sorted(card_texts(after_fac)) == sorted(texts)
        assert after_fac.select_one("th.phase .phase-name").get_text() == "Hernoemd"
        assert sorted(card_texts(anna.board(ws.slug))) == sorted(texts)
        assert "Anna" in fac.get(f"/w/{ws.slug}").text
        assert before.count("<article") == fac.get(f"/w/{ws.slug}").text.count("<article")
        # And the board goes on: numbering continues.
        assert anna.add_card(ws.slug, phases[0], lanes[0], "na de herstart").status_code == 200
    finally:
        server.stop()
