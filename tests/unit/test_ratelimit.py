"""The limiters on their own, with a clock the test turns by hand."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.i18n import use_locale
from app.ratelimit import AttemptWindow, GuessGuard, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_bucket_allows_a_burst_then_refills():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.allow("anna") for _ in range(4)] == [True, True, True, False]
    assert bucket.allow("bram")  # per key
    clock.now += 0.5  # one token back
    assert bucket.allow("anna") and not bucket.allow("anna")
    clock.now += 100  # never more than the burst
    assert [bucket.allow("anna") for _ in range(4)] == [True, True, True, False]


def test_a_refused_action_costs_nothing():
    clock = Clock()
    bucket = TokenBucket(rate=1, burst=1, clock=clock)
    assert bucket.allow("x")
    for _ in range(100):
        assert not bucket.allow("x")
    clock.now += 1
    assert bucket.allow("x")


def test_full_buckets_are_forgotten_so_the_table_stays_small(monkeypatch):
    monkeypatch.setattr("app.ratelimit.MAX_KEYS", 10)
    clock = Clock()
    bucket = TokenBucket(rate=1, burst=2, clock=clock)
    for key in range(10):
        bucket.allow(key)
    clock.now += 10
    bucket.allow("new")
    assert len(bucket._buckets) <= 2


def test_an_attempt_window_blocks_after_the_limit_until_it_ends():
    clock = Clock()
    window = AttemptWindow(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert not window.blocked("ip")
        window.fail("ip")
    assert window.blocked("ip") and not window.blocked("other")
    assert 1 <= window.retry_after("ip") <= 61
    clock.now += 61
    assert not window.blocked("ip")


def guard(clock) -> GuessGuard:
    return GuessGuard(per_ip=3, overall=5, window=600, message=lambda: "te veel", clock=clock)


def test_a_guess_guard_stops_one_client_first():
    g = guard(Clock())
    for _ in range(3):
        g.check("10.0.0.1")
        g.failed("10.0.0.1")
    with pytest.raises(UserError) as refused:
        g.check("10.0.0.1")
    assert refused.value.status_code == 429 and refused.value.retry_after > 0
    g.check("10.0.0.2")  # another client may still try


def test_a_guess_guard_stops_everyone_when_many_clients_guess():
    clock = Clock()
    g = guard(clock)
    for i in range(5):  # five clients, one wrong guess each: under the per-client limit
        g.check(f"10.0.0.{i}")
        g.failed(f"10.0.0.{i}")
    with pytest.raises(UserError):
        g.check("10.0.0.99")  # a client that never guessed is refused too
    clock.now += 601
    g.check("10.0.0.99")


def test_the_messages_are_in_the_users_language():
    from app.config import Settings
    from app.ratelimit import Limits, too_fast

    limits = Limits.from_settings(Settings(code_attempts_per_ip=1))
    limits.join_code.failed("ip")
    for lang, words in (("nl", "te veel verkeerde codes"), ("en", "Too many wrong codes")):
        with use_locale(lang), pytest.raises(UserError) as refused:
            limits.join_code.check("ip")
        assert words in refused.value.message
    with use_locale("nl"):
        assert "heel snel" in too_fast().message
