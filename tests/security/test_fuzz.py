"""Property-based: random and malformed form posts and socket frames never give a 500, never
write part of a change, and leave the board as it was whenever they are refused.

Against a real server (with limits high enough for one person sending hundreds of requests);
"as it was" is every row of the workshop, read straight from the database.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from tests.security.helpers import Ids, Room, rows_of, setup_room
from tests.security.test_every_route import CHANGES, FACILITATOR, MEMBER, fill
from tests.support import BoardSocket

EXAMPLES = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Everything that changes a workshop, except deleting it (that ends the test's subject).
ROUTES = [row for row in CHANGES if row.who in (MEMBER, FACILITATOR) and not row.path.endswith("/delete")]
FIELDS = sorted({key for row in ROUTES for key in row.form(Ids("s", "t", "c", 1, 1, 1, 1, 1, 1, 1, 1, 1))}
                | {"confirm_personal_data", "_csrf_token", "value", "target"})

texts = st.one_of(
    st.text(max_size=40),
    st.text(min_size=900, max_size=1200),  # around the card limit
    st.sampled_from(["", " ", "0", "1", "-1", "2147483648", "99999999999999999999", "1e9", "NaN", "phase:1",
                     "lane:abc", "phase:-5", "revisit", "start", "pause", "5", "2,5", "1:30", "visible",
                     "backstage", "names", "none", "red", "open", "resolved", "\x00", "\u202e", "<script>",
                     "'; DROP TABLE card; --", "%00", "..", "🙂" * 3, "BSN 123456782"]),
)


@pytest.fixture(scope="module")
def fuzz_room(lenient_server) -> Room:
    return setup_room(lenient_server, "Fuzz")


def ids_for(room: Room, data) -> Ids:
    """Mostly the workshop's real ids (so requests get past the lookups), sometimes nonsense."""
    numbers = st.one_of(st.just(None), st.integers(min_value=-5, max_value=2**40))
    base = room.ids
    changes = {}
    for key in ("card", "phase", "lane", "tag", "participant", "link"):
        picked = data.draw(numbers, label=key)
        if picked is not None:
            changes[key] = picked
    return base.but(**changes)


@EXAMPLES
@given(data=st.data())
def test_random_forms_on_every_route_are_refused_cleanly(fuzz_room, lenient_server, data):
    room = fuzz_room
    row = data.draw(st.sampled_from(ROUTES), label="route")
    ids = ids_for(room, data)
    path = fill(row.path, ids)
    real = {k: str(v) for k, v in row.form(ids).items()}
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), texts, max_size=6), label="form")
    if data.draw(st.booleans(), label="keep real fields"):
        form = {**real, **{k: v for k, v in form.items() if k not in real or data.draw(st.booleans())}}
    before = rows_of(lenient_server, room.ids.slug)
    r = room.facilitator.post(path, form)
    assert r.status_code < 500, (path, form, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert rows_of(lenient_server, room.ids.slug) == before, (path, form, r.status_code)
        assert "error-message" in r.text or r.status_code in (404, 405)


bodies = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                   st.sampled_from([b"text=%", b"text=%zz&phase_id=%ff", b"=&=&&", b"text", b"a=1&" * 2000,
                                    b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi",
                                    b'{"text": "json"}', b"text=" + b"%C3" * 10]))
content_types = st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                 "multipart/form-data", "application/json", "text/plain", None])


@EXAMPLES
@given(data=st.data(), body=bodies, content_type=content_types)
def test_malformed_bodies_change_nothing(fuzz_room, lenient_server, data, body, content_type):
    room = fuzz_room
    path = fill(data.draw(st.sampled_from([
        "/w/{slug:str}/cards", "/w/{slug:str}/cards/{card_id:int}", "/w/{slug:str}/settings/title",
        "/w/{slug:str}/cards/{card_id:int}/followup", "/w/{slug:str}/timer", "/w/{slug:str}/lanes",
    ]), label="path"), room.ids)
    headers = {"x-csrftoken": room.facilitator.csrf, **room.facilitator.member_headers(room.ids.slug), "HX-Request": "true"}
    if content_type:
        headers["content-type"] = content_type
    before = rows_of(lenient_server, room.ids.slug)
    r = room.facilitator.client.post(path, content=body, headers=headers)
    assert r.status_code < 500, (path, body[:100], content_type, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert rows_of(lenient_server, room.ids.slug) == before


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
hello_like = st.fixed_dictionaries({"type": st.sampled_from(["hello", "HELLO", "ping", "", "card.add"])},
                                   optional={"seq": json_values, "text": json_values, "card": json_values})
frames = st.one_of(
    hello_like.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "x" * n),  # around the 4096 limit
)


@EXAMPLES
@given(sent=st.lists(frames, min_size=1, max_size=4))
def test_random_socket_frames_close_at_most_that_socket(fuzz_room, lenient_server, sent):
    room = fuzz_room
    before = rows_of(lenient_server, room.ids.slug)
    oversized = any(isinstance(f, str) and len(f.encode()) > 4096 for f in sent)
    # As the facilitator: the form test above may have removed the participant, never the facilitator.
    sock = BoardSocket(room.facilitator, room.ids.slug, hello=False)
    try:
        for frame in sent:
            sock.conn.send(frame)
        if oversized:
            # Answers to frames sent before the too-big one may come first; then the close.
            sock.recv_until(lambda m: False, timeout=10)
        else:
            # Still alive: a hello that knows nothing gets the whole board.
            sock.send({"type": "hello", "seq": -1})
            sock.recv_until(lambda m: 'id="board-root"' in m, timeout=10)
    except ConnectionClosed as closed:
        assert oversized, closed
        assert closed.rcvd is not None and closed.rcvd.code == 1009, closed
    finally:
        sock.close()
    assert rows_of(lenient_server, room.ids.slug) == before
    assert httpx.get(lenient_server.url + "/healthz").status_code == 200
