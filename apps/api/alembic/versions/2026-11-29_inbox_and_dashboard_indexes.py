"""inbox and dashboard indexes, message volume rollup

Revision ID: e3a91d2ce7b8
Revises: ae1203d17d7c
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e3a91d2ce7b8"
down_revision: str | None = "ae1203d17d7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A slot whose tally is cached must be recounted when a message lands in it afterwards.
PG_FUNCTION = """
CREATE FUNCTION drop_stale_volume_slots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM volume_slots WHERE slot IN (
        SELECT DISTINCT CAST(floor(date_part('epoch', created_at) / 900) AS BIGINT)
        FROM new_messages
    );
    RETURN NULL;
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER messages_drop_stale_volume AFTER INSERT ON messages
REFERENCING NEW TABLE AS new_messages
FOR EACH STATEMENT EXECUTE FUNCTION drop_stale_volume_slots()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER messages_drop_stale_volume AFTER INSERT ON messages
BEGIN
    DELETE FROM volume_slots WHERE slot = CAST(strftime('%s', NEW.created_at) AS INTEGER) / 900;
END
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "volume_slots",
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_volume_slots")),
    )
    op.create_table(
        "message_volume",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("number_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["numbers.id"],
            name=op.f("fk_message_volume_number_id_numbers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot"],
            ["volume_slots.slot"],
            name=op.f("fk_message_volume_slot_volume_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_message_volume_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_volume")),
    )
    op.create_index("ix_message_volume_slot", "message_volume", ["slot", "direction"])

    op.create_index(
        "ix_conversations_status_assignee_activity",
        "conversations",
        ["status", "assignee_id", "last_message_at", "id"],
    )
    op.create_index(
        "ix_conversations_status_team_activity",
        "conversations",
        ["status", "team_id", "last_message_at", "id"],
    )
    op.create_index(
        "ix_conversations_resolved",
        "conversations",
        ["resolved_at"],
        postgresql_include=["number_id", "team_id"],
    )
    if postgresql:
        # Same key, plus the columns the first response figures read (index-only scans).
        op.drop_index("ix_conversations_first_response", table_name="conversations")
        op.create_index(
            "ix_conversations_first_response",
            "conversations",
            ["first_response_at"],
            postgresql_include=["first_inbound_at", "number_id", "team_id"],
        )
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    on_table = " ON messages" if postgresql else ""
    op.execute(f"DROP TRIGGER IF EXISTS messages_drop_stale_volume{on_table}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS drop_stale_volume_slots()")
        op.drop_index("ix_conversations_first_response", table_name="conversations")
        op.create_index("ix_conversations_first_response", "conversations", ["first_response_at"])
    op.drop_index("ix_conversations_resolved", table_name="conversations")
    op.drop_index("ix_conversations_status_team_activity", table_name="conversations")
    op.drop_index("ix_conversations_status_assignee_activity", table_name="conversations")
    op.drop_index("ix_message_volume_slot", table_name="message_volume")
    op.drop_table("message_volume")
    op.drop_table("volume_slots")
