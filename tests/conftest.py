from __future__ import annotations

import os

import pytest

from tests import services
from tests.support import LiveServer, Person

# ZL_TEST_DB=postgres: the whole suite against a fresh PostgreSQL database (make test-postgres).
# ZL_TEST_BROKER=redis|postgres: ... and with that broker between the app's processes.
_RUN: dict[str, str] = {}


def pytest_configure(config):
    if os.environ.get("ZL_TEST_DB") == "postgres":
        if services.postgres_admin_url() is None:
            if services.in_ci():
                pytest.exit(f"{services.missing('postgres')} (CI=true: services are required)", returncode=1)
            _RUN["skip"] = services.missing("postgres") + ": the PostgreSQL run is skipped"
            return
        _RUN["database"] = os.environ["DATABASE_URL"] = services.create_database()
    broker = os.environ.get("ZL_TEST_BROKER", "")
    if broker == "redis":
        if not services.redis_up():
            if services.in_ci():
                pytest.exit(f"{services.missing('redis')} (CI=true: services are required)", returncode=1)
            _RUN["skip"] = services.missing("redis") + ": the run with Redis is skipped"
            return
        os.environ["BROKER_URL"] = services.REDIS_URL
    elif broker == "postgres":
        if "database" not in _RUN:
            raise pytest.UsageError("ZL_TEST_BROKER=postgres needs ZL_TEST_DB=postgres")
        os.environ["BROKER_URL"] = _RUN["database"]
    if broker:
        os.environ["BROKER_PREFIX"] = services.new_prefix()


def pytest_unconfigure(config):
    if "database" in _RUN:
        services.drop_database(_RUN.pop("database"))


def pytest_report_header(config):
    database = _RUN.get("database", "").rsplit("/", 1)[-1]
    return [f"zichtlijn: database {'PostgreSQL ' + database + ' (fresh)' if database else 'SQLite'}, "
            f"broker {os.environ.get('BROKER_URL', '').split('://')[0] or 'in memory'}"]


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread
    until the session ends, and async tests after it could not start their own. A run whose
    PostgreSQL or Redis is missing skips every test, listed as such (CI=true exits earlier)."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
        if "skip" in _RUN:
            item.add_marker(pytest.mark.skip(reason=_RUN["skip"]))
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


def pytest_terminal_summary(terminalreporter):
    """Say plainly what did not run for want of PostgreSQL or Redis (CI=true fails instead)."""
    missing: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "not reachable" in reason:
            reason = reason.removeprefix("Skipped: ")
            missing[reason] = missing.get(reason, 0) + 1
    for reason, count in missing.items():
        terminalreporter.write_sep("!", f"SKIPPED {count} test(s): {reason}", yellow=True, bold=True)


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
