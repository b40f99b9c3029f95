"""inbox search (trigram) and unassigned-tab indexes

Revision ID: 5b7d9e1f3a24
Revises: 9a1e3c7b5d20
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5b7d9e1f3a24"
down_revision: str | None = "9a1e3c7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNASSIGNED = sa.text("assignee_id IS NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in ("name", "wa_id"):
        op.create_index(
            f"ix_contacts_{column}_trgm",
            "contacts",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    op.create_index(
        "ix_conversations_unassigned_activity",
        "conversations",
        ["status", "last_message_at", "id"],
        postgresql_where=UNASSIGNED,
        sqlite_where=UNASSIGNED,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_conversations_unassigned_activity",
        table_name="conversations",
        postgresql_where=UNASSIGNED,
        sqlite_where=UNASSIGNED,
    )
    for column in ("name", "wa_id"):
        op.drop_index(f"ix_contacts_{column}_trgm", table_name="contacts")
