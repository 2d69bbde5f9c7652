"""Several app processes serving the same boards: one PostgreSQL database, one broker.

For the scale-out tests and for the benchmark (`make bench`):

    from tests.cluster import cluster
    with cluster(3, broker="redis") as c:      # or broker="postgres" (LISTEN/NOTIFY)
        c.urls                                 # ["http://127.0.0.1:41234", ...]
        c.database_url                         # the fresh database they share

Each process is `uvicorn app.main:create_app` (tests/support.LiveServer) on a free
port. All start at once and migrate the fresh database together (one migrates, the
others wait on an advisory lock). The database is dropped when the block ends,
unless you passed your own `database_url`. From a shell:

    .venv/bin/python -m tests.cluster --processes 3 --broker redis

prints the URLs and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests import services
from tests.support import LiveServer


@dataclass
class Cluster:
    servers: list[LiveServer]
    database_url: str
    broker_url: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def logs(self) -> str:
        return "\n".join(f"--- {s.url}\n{s.log()[-4000:]}" for s in self.servers)


@contextlib.contextmanager
def cluster(
    processes: int = 2, broker: str = "redis", data_dir: Path | None = None,
    database_url: str | None = None, env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """`processes` app processes on a fresh PostgreSQL database with `broker`
    ("redis", "postgres", or a broker URL). Raises RuntimeError if a service is missing."""
    if services.postgres_admin_url() is None:
        raise RuntimeError(services.missing("postgres"))
    if broker == "redis":
        if not services.redis_up():
            raise RuntimeError(services.missing("redis"))
        broker_url = services.REDIS_URL
    elif broker == "postgres":
        broker_url = ""  # the cluster's database, below
    else:
        broker_url = broker
    own_database = database_url is None
    db_url = database_url or services.create_database()
    broker_url = broker_url or db_url
    base = {"DATABASE_URL": db_url, "BROKER_URL": broker_url, "BROKER_PREFIX": services.new_prefix(),
            "AUTO_MIGRATE": "true", **(env or {})}
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zl-cluster-")))
        servers = [LiveServer(data_dir / f"process-{i}", env=base) for i in range(processes)]
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_ready()
            yield Cluster(servers, db_url, broker_url, base)
        finally:
            for server in servers:
                server.stop()
            if own_database:
                services.drop_database(db_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", "-n", type=int, default=2)
    parser.add_argument("--broker", default="redis", help='"redis", "postgres" or a broker URL')
    args = parser.parse_args()
    with cluster(args.processes, broker=args.broker) as c:
        print("database:", c.database_url)
        print("broker:  ", c.broker_url)
        for url in c.urls:
            print("serving: ", url)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
