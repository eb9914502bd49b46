"""PostgreSQL notifies each deleted or changed stored file (issue 13: the rendition read kept per worker)

On PostgreSQL, a trigger on `media` runs `pg_notify('realtymedia_media_changed', OLD.id)` for every
deleted row, and for every updated row whose columns of a StoredFile (persistence.pictures: what a
rendition request reads, and what each worker keeps of it, persistence.validity) changed: id, key,
content_type, size, sha256, width, height, created_at. Other columns (title, position, published,
subtype, url, placeholder, owner, updated_at) notify nothing. A TRUNCATE (which fires no row
trigger) notifies an empty payload: every row. PostgreSQL sends a notification when
its transaction commits, none when it rolls back. The channel's name is persistence.validity.CHANNEL,
written out here so that this migration stays as it ran. On SQLite: nothing (it has no notifications;
every request reads the row there).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:50:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHANNEL = "realtymedia_media_changed"
WATCHED = ("id", "key", "content_type", "size", "sha256", "width", "height", "created_at")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION realtymedia_media_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('{CHANNEL}', '');
            ELSE
                PERFORM pg_notify('{CHANNEL}', OLD.id);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER media_deleted_notifies AFTER DELETE ON media"
        " FOR EACH ROW EXECUTE FUNCTION realtymedia_media_changed()"
    )
    op.execute(
        "CREATE TRIGGER media_truncated_notifies AFTER TRUNCATE ON media"
        " FOR EACH STATEMENT EXECUTE FUNCTION realtymedia_media_changed()"
    )
    old = ", ".join(f"OLD.{column}" for column in WATCHED)
    new = ", ".join(f"NEW.{column}" for column in WATCHED)
    op.execute(
        f"CREATE TRIGGER media_changed_notifies AFTER UPDATE OF {', '.join(WATCHED)} ON media"
        f" FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new}))"
        " EXECUTE FUNCTION realtymedia_media_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS media_changed_notifies ON media")
    op.execute("DROP TRIGGER IF EXISTS media_truncated_notifies ON media")
    op.execute("DROP TRIGGER IF EXISTS media_deleted_notifies ON media")
    op.execute("DROP FUNCTION IF EXISTS realtymedia_media_changed()")
