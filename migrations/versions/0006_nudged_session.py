"""reminders: a next-session nudge names its session

A nudge is judged and worded by its own session; when a change of the plan drops the
session, the database empties the column (ON DELETE SET NULL) and the nudge is not sent.
Nudges made before this revision name their session only in their dedupe key
("next_session_due:email:session:12:2027-04-01"): it is copied from there.

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

messages = sa.table(
    'messages',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('dedupe_key', sa.String),
    sa.column('planned_session_id', sa.Integer),
)
planned_sessions = sa.table('planned_sessions', sa.column('id', sa.Integer))


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_messages_planned_session_id_planned_sessions'),
            'planned_sessions',
            ['planned_session_id'],
            ['id'],
            ondelete='SET NULL',
        )
    connection = op.get_bind()
    named = {}
    for message_id, key in connection.execute(
        sa.select(messages.c.id, messages.c.dedupe_key).where(
            messages.c.kind == 'next_session_due'
        )
    ):
        parts = key.split(':')
        if len(parts) >= 4 and parts[2] == 'session' and parts[3].isdigit():
            named[message_id] = int(parts[3])
    existing = {
        session_id
        for (session_id,) in connection.execute(
            sa.select(planned_sessions.c.id).where(planned_sessions.c.id.in_(set(named.values())))
        )
    } if named else set()
    rows = [
        {'message': message_id, 'session': session_id}
        for message_id, session_id in named.items()
        if session_id in existing
    ]
    if rows:
        connection.execute(
            messages.update()
            .where(messages.c.id == sa.bindparam('message'))
            .values(planned_session_id=sa.bindparam('session')),
            rows,
        )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_messages_planned_session_id_planned_sessions'), type_='foreignkey'
        )
        batch_op.drop_column('planned_session_id')
