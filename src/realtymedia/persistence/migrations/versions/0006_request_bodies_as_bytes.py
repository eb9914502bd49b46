"""Request-ID records keep their answer's body as bytes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE idempotent_responses ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8')")
        return
    with op.batch_alter_table("idempotent_responses") as batch_op:
        batch_op.alter_column("body", type_=sa.LargeBinary(), existing_type=sa.Text(), existing_nullable=False)
    op.execute("UPDATE idempotent_responses SET body = CAST(body AS BLOB)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE idempotent_responses ALTER COLUMN body TYPE TEXT USING convert_from(body, 'UTF8')")
        return
    op.execute("UPDATE idempotent_responses SET body = CAST(body AS TEXT)")
    with op.batch_alter_table("idempotent_responses") as batch_op:
        batch_op.alter_column("body", type_=sa.Text(), existing_type=sa.LargeBinary(), existing_nullable=False)
