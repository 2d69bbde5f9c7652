"""Installations upgrade without losing boards: a database made by an older revision is upgraded."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from app.db import alembic_config


def test_upgrade_from_the_first_revision_keeps_boards_and_adds_tags(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    cfg = alembic_config(url.replace("sqlite://", "sqlite+aiosqlite://"))
    command.upgrade(cfg, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO workshop (id, slug, title, language, join_token, facilitator_token, join_code, joining_open, seq, created_at, updated_at) "
            "VALUES (1, 's', 'Oud bord', 'nl', 'j', 'f', 'ABCDEF', 1, 3, '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO phase (id, workshop_id, position, name, \"trigger\", completion) VALUES (1, 1, 0, 'Fase 1', '', '')"))
        conn.execute(text("INSERT INTO lane (id, workshop_id, position, \"group\", name, question) VALUES (1, 1, 0, 'visible', 'Stappen', '')"))
        conn.execute(text("INSERT INTO card (id, workshop_id, phase_id, lane_id, text, position, version, created_at, updated_at) "
                          "VALUES (1, 1, 1, 1, 'blijft', 1, 1, '2026-01-01', '2026-01-01')"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text, followup_status FROM card")).all() == [("blijft", "open")]
        names = [r[0] for r in conn.execute(text("SELECT name FROM tag WHERE workshop_id = 1 ORDER BY position"))]
    assert names[0] == "informeel" and names[-1] == "knelpunt" and len(names) == 7
    command.downgrade(cfg, "0001")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM card")).scalar() == "blijft"
