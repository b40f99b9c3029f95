"""Graph API request and response shapes (cloud-api.md §6, §7). Only `whatsapp/` reads them."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# A Graph request body as stored on the outbound message row and posted verbatim.
GraphBody = dict[str, Any]


class _Graph(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextObject(_Graph):
    preview_url: bool = False
    body: str


class ReplyContext(_Graph):
    message_id: str


class SendTextRequest(_Graph):
    messaging_product: Literal["whatsapp"] = "whatsapp"
    recipient_type: Literal["individual"] = "individual"
    # Exactly one of `to` (+E.164) and `recipient` (a BSUID, cloud-api.md §2.3).
    to: str | None = None
    recipient: str | None = None
    context: ReplyContext | None = None
    type: Literal["text"] = "text"
    text: TextObject
    # Echoed in status webhooks, so a status can be tied to our row before the wamid is known.
    biz_opaque_callback_data: str | None = None


class MarkReadRequest(_Graph):
    messaging_product: Literal["whatsapp"] = "whatsapp"
    status: Literal["read"] = "read"
    message_id: str


class SentContact(_Graph):
    input: str | None = None
    wa_id: str | None = None


class SentMessage(_Graph):
    id: str
    message_status: str | None = None


class SendResponse(_Graph):
    messaging_product: str = "whatsapp"
    contacts: list[SentContact] = []
    messages: list[SentMessage]


class SuccessResponse(_Graph):
    success: bool


class GraphErrorData(_Graph):
    messaging_product: str | None = None
    details: str | None = None


class GraphError(_Graph):
    message: str | None = None
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    error_data: GraphErrorData | None = None
    is_transient: bool | None = None
    error_user_title: str | None = None
    error_user_msg: str | None = None
    fbtrace_id: str | None = None


class GraphErrorResponse(_Graph):
    error: GraphError


def recipient_fields(*, wa_id: str | None, user_id: str | None) -> tuple[str | None, str | None]:
    """(`to`, `recipient`): `to` with a leading + (without it Meta prepends the business
    number's country code), or `recipient` when only the BSUID is known."""
    if wa_id:
        return "+" + wa_id.lstrip("+"), None
    if user_id:
        return None, user_id
    raise ValueError("a recipient needs a wa_id or a BSUID")


def text_message_body(
    *,
    wa_id: str | None,
    user_id: str | None,
    text: str,
    reply_to_wamid: str | None = None,
    callback_data: str | None = None,
) -> GraphBody:
    to, recipient = recipient_fields(wa_id=wa_id, user_id=user_id)
    request = SendTextRequest(
        to=to,
        recipient=recipient,
        context=ReplyContext(message_id=reply_to_wamid) if reply_to_wamid else None,
        text=TextObject(body=text),
        biz_opaque_callback_data=callback_data,
    )
    return request.model_dump(exclude_none=True)


def mark_read_body(wamid: str) -> GraphBody:
    return MarkReadRequest(message_id=wamid).model_dump()


def parse_error(data: object) -> GraphError | None:
    """Graph's `{"error": {...}}` (cloud-api.md §6.3), or None for any other body."""
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return None
    try:
        return GraphErrorResponse.model_validate(data).error
    except ValueError:
        return None
