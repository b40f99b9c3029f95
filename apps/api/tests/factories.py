"""Keyword-only factories with sensible defaults; each adds, flushes and returns the row."""

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atende.contacts.models import Contact
from atende.conversations.models import Conversation, ConversationStatus
from atende.core.config import Settings
from atende.core.security import SecretBox, create_access_token, hash_password
from atende.core.types import utcnow
from atende.messages.models import Direction, Message, MessageStatus
from atende.numbers.models import Number
from atende.quick_replies.models import QuickReply
from atende.teams.models import Team, TeamMember
from atende.templates.models import ParameterFormat, Template, TemplateStatus
from atende.users.models import Role, User

DEFAULT_PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)
_seq = itertools.count(1)


class Factory:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def commit(self) -> None:
        await self.session.commit()

    def token_for(self, user: User) -> str:
        return create_access_token(
            secret=self.settings.resolved_jwt_secret(),
            user_id=user.id,
            role=user.role,
            minutes=15,
        )

    def auth(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(user)}"}

    async def user(
        self,
        *,
        role: Role = Role.AGENT,
        teams: list[Team] | None = None,
        email: str | None = None,
        name: str | None = None,
        is_active: bool = True,
    ) -> User:
        n = next(_seq)
        user = User(
            email=(email or f"user{n}@example.com").lower(),
            name=name or f"User {n}",
            password_hash=_PASSWORD_HASH,
            role=role,
            is_active=is_active,
        )
        self.session.add(user)
        await self.session.flush()
        for team in teams or []:
            self.session.add(TeamMember(team_id=team.id, user_id=user.id))
        await self.session.flush()
        return user

    async def team(self, *, name: str | None = None) -> Team:
        team = Team(name=name or f"Team {next(_seq)}")
        self.session.add(team)
        await self.session.flush()
        return team

    async def number(
        self,
        *,
        phone_number_id: str | None = None,
        default_team: Team | None = None,
        simulated: bool = False,
        access_token: str | None = None,
        label: str | None = None,
    ) -> Number:
        n = next(_seq)
        number = Number(
            phone_number_id=phone_number_id or f"1000{n:08d}",
            display_phone_number=f"1555000{n:04d}",
            label=label or f"Number {n}",
            waba_id=f"8800{n:08d}",
            default_team_id=default_team.id if default_team else None,
            is_simulated=simulated,
            access_token_encrypted=(
                SecretBox(self.settings.resolved_jwt_secret()).encrypt(access_token)
                if access_token
                else None
            ),
        )
        self.session.add(number)
        await self.session.flush()
        return number

    async def contact(
        self, *, wa_id: str | None = None, user_id: str | None = None, name: str | None = None
    ) -> Contact:
        n = next(_seq)
        contact = Contact(
            wa_id=wa_id if (wa_id or user_id) else f"55119{n:08d}",
            user_id=user_id,
            name=name or f"Customer {n}",
        )
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def conversation(
        self,
        *,
        number: Number,
        contact: Contact | None = None,
        team: Team | None = None,
        assignee: User | None = None,
        status: ConversationStatus = ConversationStatus.OPEN,
        last_inbound_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> Conversation:
        contact = contact or await self.contact()
        now = utcnow()
        conversation = Conversation(
            number_id=number.id,
            contact_id=contact.id,
            team_id=team.id if team else None,
            assignee_id=assignee.id if assignee else None,
            status=status,
            last_inbound_at=last_inbound_at if last_inbound_at is not None else now,
            first_inbound_at=last_inbound_at if last_inbound_at is not None else now,
            last_message_at=last_inbound_at or now,
            created_at=created_at or now,
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def message(
        self,
        *,
        conversation: Conversation,
        direction: Direction = Direction.INBOUND,
        text: str = "hello",
        status: MessageStatus | None = None,
        wamid: str | None = None,
        sender: User | None = None,
        at: datetime | None = None,
    ) -> Message:
        at = at or utcnow()
        message = Message(
            conversation_id=conversation.id,
            direction=direction,
            wamid=wamid
            if wamid is not None
            else (f"wamid.{uuid.uuid4().hex}" if direction == Direction.INBOUND else None),
            type="text",
            text=text,
            status=status
            or (MessageStatus.RECEIVED if direction == Direction.INBOUND else MessageStatus.QUEUED),
            sender_id=sender.id if sender else None,
            timestamp=at,
            created_at=at,
        )
        self.session.add(message)
        await self.session.flush()
        return message

    async def quick_reply(
        self,
        *,
        owner: User,
        team: Team | None = None,
        shortcut: str | None = None,
        text: str = "Olá {{contact.name}}!",
    ) -> QuickReply:
        reply = QuickReply(
            shortcut=shortcut or f"reply-{next(_seq)}",
            text=text,
            team_id=team.id if team else None,
            owner_id=owner.id,
        )
        self.session.add(reply)
        await self.session.flush()
        return reply

    async def template(
        self,
        *,
        number: Number | None = None,
        waba_id: str | None = None,
        name: str | None = None,
        language: str = "pt_BR",
        status: TemplateStatus = TemplateStatus.APPROVED,
        body: str = "Olá {{1}}, seu pedido {{2}} foi enviado.",
        components: list[dict[str, Any]] | None = None,
        parameter_format: ParameterFormat = ParameterFormat.POSITIONAL,
        category: str = "utility",
        meta_id: str | None = None,
    ) -> Template:
        """A synced template of the number's WABA (or of `waba_id`); by default an approved
        positional one whose body takes two parameters."""
        n = next(_seq)
        template = Template(
            waba_id=waba_id or (number.waba_id if number else None) or f"8800{n:08d}",
            meta_id=meta_id or f"17{n:014d}",
            name=name or f"template_{n}",
            language=language,
            category=category,
            status=status,
            parameter_format=parameter_format,
            components=components if components is not None else [{"type": "BODY", "text": body}],
        )
        self.session.add(template)
        await self.session.flush()
        return template


def ago(**kwargs: float) -> datetime:
    return utcnow() - timedelta(**kwargs)
