"""Invitations remember the directory group they were invited through (the report's rows)
and the substitute's phone (so the person sent in someone's place hears of changes).

Revision ID: dad8d38ac3ec
Revises: 0b0110cb644b
Create Date: 2026-12-02 04:22:00.551786

Older rows keep group_id NULL; the report matches them by their source text.
"""
import sqlalchemy as sa
from alembic import op

revision = "dad8d38ac3ec"
down_revision = '0b0110cb644b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("substitute_phone", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_invitations_group_id"), ["group_id"], unique=False)
        batch_op.create_foreign_key("fk_invitations_group_id_contact_groups", "contact_groups", ["group_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invitations_group_id_contact_groups", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_invitations_group_id"))
        batch_op.drop_column("substitute_phone")
        batch_op.drop_column("group_id")
