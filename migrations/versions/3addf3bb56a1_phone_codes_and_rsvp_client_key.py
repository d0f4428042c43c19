"""Phone verification codes for accounts; the hashed client of a guest RSVP (seats per client)

Revision ID: 3addf3bb56a1
Revises: b6e90c3c1d68
Create Date: 2026-12-02 04:20:21.854281

"""
from alembic import op
import sqlalchemy as sa
import civic.core.db


# revision identifiers, used by Alembic.
revision = '3addf3bb56a1'
down_revision = 'b6e90c3c1d68'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', civic.core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', civic.core.db.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', civic.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_rsvps_event_client', ['event_id', 'client_key'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', civic.core.db.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index('ix_rsvps_event_client')
        batch_op.drop_column('client_key')

    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_codes_created_at'))

    op.drop_table('phone_codes')
