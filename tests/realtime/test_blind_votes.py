"""Blind voting: while a blind round runs, no participant receives a count, neither in an HTML
answer nor on the socket; when the facilitator ends it, every count reaches everyone."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.support import Person

# Anything that would tell how many votes a card has: the dot count on a card, the results list.
COUNT_MARKS = re.compile(r'class="card-votes"|class="vote-count"|class="vote-results"')


def _counts(html: str) -> dict[str, int]:
    """card id -> votes shown on that card, as a browser would read them."""
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for card in soup.select("article.card"):
        shown = card.select_one(".card-votes")
        if shown is not None:
            out[card["data-card-id"]] = int(re.search(r"\d+", shown.get_text()).group())
    return out


def test_a_participant_gets_no_count_until_the_round_ends_and_every_count_after(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna, bram = make_person(), make_person()
    anna.join(ws, "Anna")
    bram.join(ws, "Bram")
    phases, lanes = facilitator.cell_ids(ws.slug)
    facilitator.add_card(ws.slug, phases[0], lanes[0], "Optie A")
    facilitator.add_card(ws.slug, phases[1], lanes[0], "Optie B")
    ids = [a["data-card-id"] for a in facilitator.board(ws.slug).select("article.card")]

    with bram.socket(ws.slug) as sock:
        sock.drain()
        # The facilitator's form as the page sends it: blind ticked (it is ticked by default).
        r = facilitator.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind_field": "1", "blind": "1"})
        assert r.status_code == 200
        seen = sock.drain(quiet=0.5)
        assert any("Blinde ronde" in m for m in seen)
        for voter, card in ((anna, ids[0]), (anna, ids[0]), (bram, ids[1]), (anna, ids[1])):
            answer = voter.post(f"/w/{ws.slug}/cards/{card}/vote")
            assert answer.status_code == 200, answer.text
            assert not COUNT_MARKS.search(answer.text), "a count in the voter's own answer"
            assert "Je hebt nog" in answer.text  # their own remaining budget: not a count of the board
        seen += sock.drain(quiet=0.5)
        assert seen, "the votes were broadcast (as cards without counts)"
        for message in seen:
            assert not COUNT_MARKS.search(message), message[:300]
        # A page loaded during the round, and a catch-up, carry no count either.
        for person in (anna, bram, facilitator):
            page = person.get(f"/w/{ws.slug}").text
            assert not COUNT_MARKS.search(page)
        sock.send({"type": "hello", "seq": -1})
        catch_up = sock.recv_until(lambda m: 'id="board-root"' in m)
        assert not COUNT_MARKS.search(catch_up)

        # The facilitator ends the round: the results open for everyone, every count with them.
        facilitator.post(f"/w/{ws.slug}/votes/end")
        ended = sock.recv_until(lambda m: 'id="board-root"' in m and "card-votes" in m)
    assert _counts(ended) == {ids[0]: 2, ids[1]: 2}
    assert "Uitslag van de laatste ronde" in ended
    for person in (anna, bram):
        page = person.get(f"/w/{ws.slug}").text
        assert _counts(page) == {ids[0]: 2, ids[1]: 2}
        results = BeautifulSoup(page, "html.parser").select_one("#vote-panel details.vote-results")
        assert results is not None and results.has_attr("open")


def test_an_open_round_shows_counts_as_they_come(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    anna = make_person()
    anna.join(ws, "Anna")
    phases, lanes = facilitator.cell_ids(ws.slug)
    facilitator.add_card(ws.slug, phases[0], lanes[0], "Optie A")
    card = facilitator.board(ws.slug).select_one("article.card")["data-card-id"]
    # The box unticked: the form sends only the marker field.
    facilitator.post(f"/w/{ws.slug}/votes/start", {"votes": "3", "blind_field": "1"})
    answer = anna.post(f"/w/{ws.slug}/cards/{card}/vote")
    assert _counts(answer.text) == {card: 1}
