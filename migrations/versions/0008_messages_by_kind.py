"""reminders: messages read by kind and status

Every dispatch pass looks for the requests to choose a new time that went (a handful among
all the mail ever sent), to tell those patients when their visit goes ahead after all.

Revision ID: 0008_messages_by_kind
Revises: 0007_folded_names
Create Date: 2026-12-06 23:44:54.093715

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_messages_by_kind'
down_revision = '0007_folded_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_kind_status', ['kind', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_kind_status')
