"""blind voting: a round may hide its counts until it ends

Revision ID: 0010
Revises: 0009_link_parent
Create Date: 2026-12-03 17:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009_link_parent'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blind', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.drop_column('blind')
