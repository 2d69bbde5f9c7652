from __future__ import annotations

import pytest

from tests.support import LiveServer, Person


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


def pytest_collection_modifyitems(items):
    """Browser tests last: fast feedback first, and Playwright's loop never precedes async tests."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
