"""co-facilitator links remember the link their maker came in by

Revision ID: 0009_link_parent
Revises: 0008
Create Date: 2026-12-03 17:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_link_parent'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('facilitator_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_facilitator_link_parent_id', 'facilitator_link', ['parent_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('facilitator_link', schema=None) as batch_op:
        batch_op.drop_constraint('fk_facilitator_link_parent_id', type_='foreignkey')
        batch_op.drop_column('parent_id')
