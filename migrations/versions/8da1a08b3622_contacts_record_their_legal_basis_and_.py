"""Contacts record their legal basis (Law 91/2025: a leaders' list is held for a public duty)
and the file they were imported from.

Revision ID: 8da1a08b3622
Revises: e3a880b5f19e
Create Date: 2026-12-02 09:03:57.175980

Existing contacts get "public_duty" and a NULL source (not recorded before this revision).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8da1a08b3622'
down_revision = '8a79eaf99d84'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_basis', sa.String(length=30), server_default='public_duty', nullable=False))
        batch_op.add_column(sa.Column('source', sa.String(length=200), nullable=True))



def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('legal_basis')

