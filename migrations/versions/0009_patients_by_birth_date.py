"""patients: found by date of birth

The front desk finds a patient by her date of birth ("1990-05-01" or "05/01/1990" in the
patient search), the usual check when two patients share a name.

Revision ID: 0009_patients_by_birth_date
Revises: 0008_messages_by_kind
Create Date: 2026-12-07 01:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_patients_by_birth_date'
down_revision = '0008_messages_by_kind'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_date_of_birth', ['date_of_birth'], unique=False)


def downgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_date_of_birth')
