"""uploads: when a message took the file, so unsent uploads can be deleted

Revision ID: 4d8f2b61c0a3
Revises: 7c2e5a90d4f1
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "4d8f2b61c0a3"
down_revision: str | None = "7c2e5a90d4f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNATTACHED = sa.text("attached_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_uploads_unattached",
            ["created_at"],
            unique=False,
            postgresql_where=UNATTACHED,
            sqlite_where=UNATTACHED,
        )
    # Files messages already use are theirs: the clean-up must never see them as drafts.
    op.execute(
        "UPDATE uploads SET attached_at = ("
        "SELECT min(messages.created_at) FROM messages "
        "WHERE messages.media_path = uploads.storage_key) "
        "WHERE EXISTS (SELECT 1 FROM messages WHERE messages.media_path = uploads.storage_key)"
    )


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_uploads_unattached", postgresql_where=UNATTACHED, sqlite_where=UNATTACHED
        )
        batch_op.drop_column("attached_at")
