"""patients: search keys without accents or punctuation

The search keys (search_name, search_last) were lower case only, so "nguyen" did not find
"Thompson-Nguyễn". New and changed patients get folded keys (clinic.patients.rules.folded);
this revision folds the keys of the patients already registered. No schema change.

Revision ID: 0007_folded_names
Revises: 0006_nudged_session
Create Date: 2026-12-06 22:40:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_folded_names'
down_revision = '0006_nudged_session'
branch_labels = None
depends_on = None

patients = sa.table(
    'patients',
    sa.column('id', sa.Integer),
    sa.column('first_name', sa.String),
    sa.column('last_name', sa.String),
    sa.column('search_name', sa.String),
    sa.column('search_last', sa.String),
)


def _folded(text):
    """clinic.patients.rules.folded as of this revision (a migration never imports the app)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"['’.]", "", plain).replace("-", " ").split())


def _rekey(key):
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(patients.c.id, patients.c.first_name, patients.c.last_name)
    ).all()
    changes = [  # cut to the columns (170 and 80): folding may lengthen a name
        {'patient_id': pid, 'name': key(f"{first} {last}")[:170], 'last': key(last)[:80]}
        for pid, first, last in rows
    ]
    if changes:
        connection.execute(
            patients.update()
            .where(patients.c.id == sa.bindparam('patient_id'))
            .values(search_name=sa.bindparam('name'), search_last=sa.bindparam('last')),
            changes,
        )


def upgrade():
    _rekey(_folded)


def downgrade():
    _rekey(str.lower)
