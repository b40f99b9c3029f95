"""quick replies

Revision ID: 5b7d0c41e2a9
Revises: e3a91d2ce7b8
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5b7d0c41e2a9"
down_revision: str | None = "e3a91d2ce7b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = sa.text("team_id IS NULL")
TEAM = sa.text("team_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_quick_replies_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_quick_replies_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_replies")),
    )
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.create_index(
            "uq_quick_replies_personal_shortcut",
            ["owner_id", "shortcut"],
            unique=True,
            postgresql_where=PERSONAL,
            sqlite_where=PERSONAL,
        )
        batch_op.create_index(
            "uq_quick_replies_team_shortcut",
            ["team_id", "shortcut"],
            unique=True,
            postgresql_where=TEAM,
            sqlite_where=TEAM,
        )


def downgrade() -> None:
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quick_replies_team_shortcut", postgresql_where=TEAM, sqlite_where=TEAM
        )
        batch_op.drop_index(
            "uq_quick_replies_personal_shortcut", postgresql_where=PERSONAL, sqlite_where=PERSONAL
        )
    op.drop_table("quick_replies")
