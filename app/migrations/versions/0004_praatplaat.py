"""praatplaat: chart levels, steps, arrows, card links; chart settings on workshop

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chart_editing", sa.String(length=16), nullable=False, server_default="facilitator"))
        batch_op.add_column(sa.Column("chart_walk", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    op.create_table(
        "chart_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chart_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_level_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "chart_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["level_id"], ["chart_level.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chart_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_step_level_id"), ["level_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chart_step_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "chart_arrow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["chart_step.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["chart_step.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "target_id"),
    )
    with op.batch_alter_table("chart_arrow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_arrow_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "card_step",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["chart_step.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("card_id", "step_id"),
    )
    with op.batch_alter_table("card_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_step_step_id"), ["step_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_step_step_id"))
    op.drop_table("card_step")
    with op.batch_alter_table("chart_arrow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chart_arrow_workshop_id"))
    op.drop_table("chart_arrow")
    with op.batch_alter_table("chart_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chart_step_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_chart_step_level_id"))
    op.drop_table("chart_step")
    with op.batch_alter_table("chart_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chart_level_workshop_id"))
    op.drop_table("chart_level")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("chart_walk")
        batch_op.drop_column("chart_editing")
