from __future__ import annotations

import pytest

from app.config import Settings
from app.db import Database


def _settings(tmp_path) -> Settings:
    # DATABASE_URL is set when the suite runs against PostgreSQL (tests/conftest.py).
    return Settings(sessions_dir=tmp_path, database_url=Settings.from_env().database_url)


@pytest.fixture
async def db(tmp_path):
    database = Database(_settings(tmp_path))
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def session(db):
    async with db.session() as s:
        yield s


@pytest.fixture
def settings(tmp_path):
    return _settings(tmp_path)
