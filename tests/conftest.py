from __future__ import annotations

import pytest

from tests.support import LiveServer, Person


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread
    until the session ends, and async tests after it could not start their own."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One real server process for the session; every test makes its own workshop."""
    srv = LiveServer(tmp_path_factory.mktemp("server")).start()
    yield srv
    srv.stop()


@pytest.fixture
def facilitator(server) -> Person:
    return Person(server.url)


@pytest.fixture
def make_person(server):
    def make(lang: str = "nl") -> Person:
        return Person(server.url, lang=lang)

    return make
