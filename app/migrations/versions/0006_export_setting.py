"""export setting: participants may export

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('export_allowed_for_participants', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('export_allowed_for_participants')
