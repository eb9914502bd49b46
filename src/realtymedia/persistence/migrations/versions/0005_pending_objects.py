"""pending objects (issue 15: a crash's leftovers found without listing the bucket)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_objects",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_pending_objects_created_at", "pending_objects", ["created_at"])


def downgrade() -> None:
    op.drop_table("pending_objects")
