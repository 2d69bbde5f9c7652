"""Servers for the security tests: one with limits high enough for hundreds of requests from one
person (IDOR tables, property tests), one with tight limits (rate-limit tests)."""

from __future__ import annotations

import pytest

from tests.support import LiveServer

LENIENT = {"MUTATION_BURST": "100000", "SOCKET_BURST": "100000", "CODE_ATTEMPTS_PER_IP": "100000",
           "CODE_ATTEMPTS_GLOBAL": "100000"}


@pytest.fixture(scope="package")
def lenient_server(tmp_path_factory):
    srv = LiveServer(tmp_path_factory.mktemp("lenient"), env=LENIENT).start()
    yield srv
    srv.stop()
