"""A broker outage (Litestar #5008): edits still commit and answer 200, every client
catches up, and live updates between processes resume when the broker is back."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests import services
from tests.cluster import cluster
from tests.proxy import CuttableProxy
from tests.scale.conftest import wait_for
from tests.support import LiveServer, Person, card_texts, free_port


def status(url: str, path: str) -> int:
    return httpx.get(url + path, timeout=10).status_code


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username + '@' if parts.username else ''}127.0.0.1:{port}"))


@pytest.mark.parametrize("broker", ["redis", "postgres"])
def test_a_broker_outage_loses_no_edit_and_live_updates_resume(broker, tmp_path):
    services.need("postgres")
    if broker == "redis":
        services.need("redis")
        real = urlsplit(services.REDIS_URL)
    else:
        real = urlsplit(services.postgres_admin_url())
    database = services.create_database()
    # The broker is reached through a proxy we can cut; the database is not.
    with CuttableProxy(real.hostname, real.port) as proxy:
        broker_url = _via(services.REDIS_URL if broker == "redis" else database, proxy.port)
        try:
            with cluster(2, broker=broker_url, database_url=database, data_dir=tmp_path) as c:
                a, b = c.urls
                fac = Person(a)
                ws = fac.create_workshop("Storing")
                bram = Person(b)
                bram.join(ws, "Bram")
                phases, lanes = fac.cell_ids(ws.slug)
                with fac.socket(ws.slug) as on_a, bram.socket(ws.slug) as on_b:
                    on_a.drain()
                    on_b.drain()
                    assert status(a, "/readyz") == status(b, "/readyz") == 200

                    proxy.cut()
                    wait_for(lambda: status(a, "/readyz") == 503 and status(b, "/readyz") == 503, what="not ready")
                    # Alive, and saying what is wrong: the database works, the broker does not.
                    health = httpx.get(a + "/healthz", timeout=10)
                    assert health.status_code == 200
                    assert health.json() == {"status": "degraded", "database": "up", "broker": "down"}

                    # Edits through both processes still commit and answer 200 ...
                    assert fac.add_card(ws.slug, phases[0], lanes[0], "tijdens storing A").status_code == 200
                    assert bram.add_card(ws.slug, phases[1], lanes[0], "tijdens storing B").status_code == 200
                    # ... and both sockets get both: their own process at once, the other
                    # process's change from the event log (the periodic catch-up).
                    for sock in (on_a, on_b):
                        got = lambda _m, s=sock: all(t in "".join(s.messages) for t in ("storing A", "storing B"))  # noqa: E731
                        sock.recv_until(got, timeout=20)

                    proxy.restore()
                    wait_for(lambda: status(a, "/readyz") == 200 and status(b, "/readyz") == 200, what="ready again")
                    assert bram.add_card(ws.slug, phases[2], lanes[0], "na de storing").status_code == 200
                    on_a.recv_until(lambda m: "na de storing" in m, timeout=20)
                    assert "broker connection restored" in c.logs()
                # Nothing was lost.
                assert sorted(card_texts(fac.board(ws.slug))) == ["na de storing", "tijdens storing A", "tijdens storing B"]
        finally:
            services.drop_database(database)


@pytest.mark.parametrize("scheme", ["redis", "postgresql"])
def test_an_unreachable_broker_does_not_stop_the_app(scheme, tmp_path):
    """A broker URL that answers nothing (a closed port): the app starts, serves, says so."""
    closed = free_port()
    url = f"redis://127.0.0.1:{closed}/0" if scheme == "redis" else f"postgresql://nobody@127.0.0.1:{closed}/none"
    server = LiveServer(tmp_path, env={"BROKER_URL": url, "DATABASE_URL": ""}).start()
    try:
        health = httpx.get(server.url + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["broker"] == "down"
        assert status(server.url, "/readyz") == 503
        fac = Person(server.url)
        ws = fac.create_workshop()
        anna = Person(server.url)
        anna.join(ws, "Anna")
        phases, lanes = fac.cell_ids(ws.slug)
        with fac.socket(ws.slug) as sock:
            sock.drain()
            assert anna.add_card(ws.slug, phases[0], lanes[0], "zonder broker").status_code == 200
            sock.recv_until(lambda m: "zonder broker" in m)  # the same process: live all the same
    finally:
        server.stop()
