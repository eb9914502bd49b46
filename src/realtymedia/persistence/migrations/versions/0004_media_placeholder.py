"""media.placeholder: the tiny preview of a picture, made when its bytes are checked

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("placeholder", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("placeholder")
