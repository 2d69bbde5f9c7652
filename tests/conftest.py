from __future__ import annotations

import os

import pytest

from tests import services
from tests.support import LiveServer, Person

# ZL_TEST_DB=postgres: the whole suite against a fresh PostgreSQL database (make test-postgres).
# ZL_TEST_BROKER=redis|postgres: ... and with that broker between the app's processes.
_RUN: dict[str, str] = {}


def _controller(config) -> bool:
    """The process that hands tests to pytest-xdist's workers (`-n`): it runs none itself, so it
    makes no database; each worker makes its own (its own server, its own migrations)."""
    return (not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") != "no"
            and bool(getattr(config.option, "tx", None)))


def pytest_configure(config):
    if _controller(config):
        for service, wanted in (("postgres", os.environ.get("ZL_TEST_DB") == "postgres"),
                                ("redis", os.environ.get("ZL_TEST_BROKER") == "redis")):
            up = services.postgres_admin_url() is not None if service == "postgres" else services.redis_up()
            if wanted and not up and services.in_ci():
                pytest.exit(f"{services.missing(service)} (CI=true: services are required)", returncode=1)
        return
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


# What can behave differently on SQLite and PostgreSQL (the `backend` marker, the only tests of
# `make test`'s PostgreSQL pass): the app's routes and sockets over its database (tests/http,
# tests/realtime, tests/security) and the unit tests on a database (the `db` and `session`
# fixtures). Left out there: browser tests (they drive the same routes through a page; their
# database work is the HTTP tests'), PDF rendering, chart layout, i18n, pure unit tests, bench
# helpers, and tests/scale (it picks its own databases and brokers).
BACKEND_DIRS = ("http", "realtime", "security")
# Left out of `make test-fast` (marker `slow`; `make test` runs them): processes killed or restarted,
# a socket left to time out, PDF worker processes and the 300-card PDF, pytest run in subprocesses,
# property-based fuzzing.
SLOW_FILES = ("http/test_never_lose.py", "http/test_persistence.py", "realtime/test_slow_reader.py",
              "export/test_export_jobs.py", "export/test_export_pdf.py", "unit/test_required_services.py",
              "security/test_fuzz.py")
BACKEND_FIXTURES = {"db", "session"}


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread
    until the session ends, and async tests after it could not start their own. Marks the
    `backend` tests. A run whose PostgreSQL or Redis is missing skips every test, listed as
    such (CI=true exits earlier)."""
    for item in items:
        path = str(item.fspath)
        if "/e2e/" in path:
            item.add_marker(pytest.mark.e2e)
        elif any(f"/{d}/" in path for d in BACKEND_DIRS) or BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.backend)
        if path.endswith(SLOW_FILES) or "/scale/" in path:
            item.add_marker(pytest.mark.slow)
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
