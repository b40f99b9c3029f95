"""one trigram index on the contact's search text, none on wa_id itself

A trigram index on `contacts.wa_id` also answers `wa_id = …`, and PostgreSQL chose it over the
unique b-tree for the webhook's contact lookup. The search now matches one expression (name
and number), indexed on PostgreSQL; equality lookups keep the b-trees.

Revision ID: 7c3e5a9d1b42
Revises: 5b7d9e1f3a24
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "7c3e5a9d1b42"
down_revision: str | None = "5b7d9e1f3a24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TEXT = "(coalesce(name, '') || ' ' || coalesce(wa_id, ''))"


def upgrade() -> None:
    for column in ("name", "wa_id"):
        op.drop_index(f"ix_contacts_{column}_trgm", table_name="contacts")
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_contacts_search_trgm",
            "contacts",
            [sa.text(f"{SEARCH_TEXT} gin_trgm_ops")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_contacts_search_trgm", table_name="contacts")
    for column in ("name", "wa_id"):
        op.create_index(
            f"ix_contacts_{column}_trgm",
            "contacts",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
