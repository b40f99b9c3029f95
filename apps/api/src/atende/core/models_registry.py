"""Imports every model so `Base.metadata` is complete (Alembic and tests use this)."""

from atende.auth.models import RefreshToken
from atende.contacts.models import Contact
from atende.conversations.models import Conversation
from atende.core.db import Base
from atende.dashboard.models import MessageVolume, VolumeSlot
from atende.media.models import Upload
from atende.messages.models import Message, PendingStatus
from atende.numbers.models import Number
from atende.quick_replies.models import QuickReply
from atende.teams.models import Team, TeamMember
from atende.templates.models import Template
from atende.transfers.models import Transfer
from atende.users.models import User

__all__ = [
    "Base",
    "Contact",
    "Conversation",
    "Message",
    "MessageVolume",
    "Number",
    "PendingStatus",
    "QuickReply",
    "RefreshToken",
    "Team",
    "TeamMember",
    "Template",
    "Transfer",
    "Upload",
    "User",
    "VolumeSlot",
]
