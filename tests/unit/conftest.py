from __future__ import annotations

import pytest

from app.config import Settings
from app.db import Database


@pytest.fixture
async def db(tmp_path):
    database = Database(Settings(sessions_dir=tmp_path))
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def session(db):
    async with db.session() as s:
        yield s


@pytest.fixture
def settings(tmp_path):
    return Settings(sessions_dir=tmp_path)
