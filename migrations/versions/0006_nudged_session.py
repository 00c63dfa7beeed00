"""reminders: a next-session nudge names its session

Nudges planned before this revision have none; the dispatcher judges those by the plan's
first due session, as it did before.

Revision ID: 0006_nudged_session
Revises: 0005_portal
Create Date: 2026-12-06 21:58:36.480845

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_nudged_session'
down_revision = '0005_portal'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_messages_planned_session_id_planned_sessions'), 'planned_sessions', ['planned_session_id'], ['id'])


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_planned_session_id_planned_sessions'), type_='foreignkey')
        batch_op.drop_column('planned_session_id')
