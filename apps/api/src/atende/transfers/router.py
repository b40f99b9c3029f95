from fastapi import APIRouter

from atende.conversations.dependencies import ConversationDep
from atende.core.db import SessionDep
from atende.core.schemas import Page
from atende.transfers import service as transfers_service
from atende.transfers.schemas import TransferRead

router = APIRouter(tags=["transfers"])


@router.get("/conversations/{conversation_id}/transfers", operation_id="transfers-list_transfers")
async def list_transfers(session: SessionDep, conversation: ConversationDep) -> Page[TransferRead]:
    """The whole audit trail of a conversation, oldest first (it is short: no pages)."""
    items = await transfers_service.list_for_conversation(session, conversation_id=conversation.id)
    return Page[TransferRead](items=items, next_cursor=None)
