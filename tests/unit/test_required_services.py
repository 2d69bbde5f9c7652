"""The suite's own guard: a PostgreSQL run without PostgreSQL must never report green.

`make test` runs its second pass with ZL_TEST_DB=postgres. Without a reachable server that
pass skips every test, listed by name of the missing service, and with CI=true it fails.
(Once a second `pytest_collection_modifyitems` replaced the one that skipped, and the pass
silently ran on SQLite.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql://root@127.0.0.1:1/test"  # port 1: refused at once


def run_postgres_pass(ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BROKER_URL", "CI"}}
    env.update(ZL_TEST_DB="postgres", ZL_TEST_BROKER="postgres", ZL_TEST_PG=UNREACHABLE)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/unit/test_pii.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_with_ci_an_unreachable_postgres_fails_the_run():
    run = run_postgres_pass(ci=True)
    assert run.returncode != 0, run.stdout
    assert "postgres not reachable" in run.stdout + run.stderr
    assert " passed" not in run.stdout


def test_without_ci_every_test_is_skipped_and_named():
    run = run_postgres_pass(ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" not in run.stdout, "the PostgreSQL pass ran its tests on SQLite"
    assert " skipped" in run.stdout
    assert "SKIPPED" in run.stdout and "postgres not reachable" in run.stdout
