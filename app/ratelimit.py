"""Rate limits, in process: token buckets for changes and socket messages, attempt windows
against guessing codes.

In memory on purpose: the embedded default is one process. With several processes each
keeps its own counts, so the effective limits are N times higher (docs/security.md).
Keys are things the server already trusts (participant ids, client addresses), and the
tables prune themselves, so nobody can grow them without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from app.config import Settings
from app.errors import UserError
from app.i18n import gettext as _

Clock = Callable[[], float]
MAX_KEYS = 10_000


class TokenBucket:
    """`burst` tokens per key, refilled at `rate` per second; each action takes one."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}

    def allow(self, key: Hashable) -> bool:
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > MAX_KEYS:
            self._prune(now)
        return allowed

    def _prune(self, now: float) -> None:
        """Forget full buckets: they behave exactly like a key never seen."""
        self._buckets = {
            k: (t, last) for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate < self.burst
        }


class AttemptWindow:
    """Counts failures per key in fixed windows; `blocked` once `limit` is reached."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._counts: dict[Hashable, tuple[float, int]] = {}

    def _current(self, key: Hashable) -> tuple[float, int]:
        now = self.clock()
        start, count = self._counts.get(key, (now, 0))
        return (now, 0) if now - start >= self.window else (start, count)

    def blocked(self, key: Hashable) -> bool:
        return self._current(key)[1] >= self.limit

    def retry_after(self, key: Hashable) -> int:
        start, _count = self._current(key)
        return max(1, int(self.window - (self.clock() - start)) + 1)

    def fail(self, key: Hashable) -> None:
        start, count = self._current(key)
        self._counts[key] = (start, count + 1)
        if len(self._counts) > MAX_KEYS:
            now = self.clock()
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}


class GuessGuard:
    """Against guessing a short secret (join code, access code): wrong attempts are
    counted per client address and in all; past either limit every attempt is refused
    for the rest of the window, right or wrong."""

    GLOBAL = "*"

    def __init__(self, per_ip: int, overall: int, window: float, message: Callable[[], str],
                 clock: Clock = time.monotonic) -> None:
        self.per_ip = AttemptWindow(per_ip, window, clock)
        self.overall = AttemptWindow(overall, window, clock)
        self.message = message

    def check(self, client: str) -> None:
        for limiter, key in ((self.per_ip, client), (self.overall, self.GLOBAL)):
            if limiter.blocked(key):
                raise UserError(self.message(), status_code=429, retry_after=limiter.retry_after(key))

    def failed(self, client: str) -> None:
        self.per_ip.fail(client)
        self.overall.fail(self.GLOBAL)


@dataclass
class Limits:
    """Every limiter of one app; lives on `app.state.limits`."""

    mutations: TokenBucket
    socket_messages: TokenBucket
    join_code: GuessGuard
    access_code: GuessGuard

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> "Limits":
        def guard(message: Callable[[], str]) -> GuessGuard:
            return GuessGuard(settings.code_attempts_per_ip, settings.code_attempts_global,
                              settings.code_attempt_window, message, clock)

        return cls(
            mutations=TokenBucket(settings.mutations_per_second, settings.mutation_burst, clock),
            socket_messages=TokenBucket(settings.socket_messages_per_second, settings.socket_burst, clock),
            join_code=guard(lambda: _("Too many wrong codes were tried. Wait a few minutes and try again, "
                                      "or use the link or QR code from the facilitator.")),
            access_code=guard(lambda: _("Too many wrong access codes were tried. Wait a few minutes and try again.")),
        )


def client_address(request) -> str:
    """The peer's address; behind a reverse proxy uvicorn's --proxy-headers makes it the real client."""
    client = getattr(request, "client", None)
    return client.host if client and client.host else "unknown"


def too_fast() -> UserError:
    return UserError(_("You are making changes very quickly. Wait a moment and try again."), status_code=429,
                     retry_after=1)
