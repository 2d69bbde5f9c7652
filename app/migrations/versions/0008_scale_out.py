"""scale-out: fragments in the event log, presence across processes

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-22 15:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fragments', sa.JSON(), nullable=True))

    op.create_table('presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process', sa.String(length=40), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('process', 'workshop_id', 'participant_id')
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presence_workshop_id'), ['workshop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presence_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presence_seen_at'))
        batch_op.drop_index(batch_op.f('ix_presence_workshop_id'))

    op.drop_table('presence')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('fragments')
