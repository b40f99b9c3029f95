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


# Kinds of media message (cloud-api.md §6.1): caption for image, video and document only,
# filename for document only.
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})


def media_message_body(
    *,
    wa_id: str | None,
    user_id: str | None,
    kind: str,
    caption: str | None = None,
    filename: str | None = None,
    reply_to_wamid: str | None = None,
    callback_data: str | None = None,
) -> GraphBody:
    """A media message body without its media id: the sender uploads the file to Meta first
    and adds the id it gets (`with_media_id`)."""
    if kind not in MEDIA_KINDS:
        raise ValueError(f"not a media kind: {kind}")
    to, recipient = recipient_fields(wa_id=wa_id, user_id=user_id)
    media: dict[str, str] = {}
    if caption and kind in ("image", "video", "document"):
        media["caption"] = caption
    if filename and kind == "document":
        media["filename"] = filename
    body: GraphBody = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if to is not None:
        body["to"] = to
    if recipient is not None:
        body["recipient"] = recipient
    if reply_to_wamid:
        body["context"] = {"message_id": reply_to_wamid}
    body["type"] = kind
    body[kind] = media
    if callback_data is not None:
        body["biz_opaque_callback_data"] = callback_data
    return body


def media_awaiting_upload(body: GraphBody | None) -> str | None:
    """The kind of a media body that has neither an uploaded id nor a link yet."""
    if body is None:
        return None
    kind = body.get("type")
    media = body.get(kind) if isinstance(kind, str) and kind in MEDIA_KINDS else None
    if isinstance(media, dict) and "id" not in media and "link" not in media:
        return str(kind)
    return None


def with_media_id(body: GraphBody, media_id: str) -> GraphBody:
    kind = body["type"]
    return {**body, kind: {"id": media_id, **body[kind]}}


class MediaUrlResponse(_Graph):
    """`GET /{media_id}` (cloud-api.md §8); the URL lives 5 minutes."""

    messaging_product: str | None = None
    url: str
    mime_type: str | None = None
    sha256: str | None = None
    # Documented as a string, seen as a number: both parse.
    file_size: int | None = None
    id: str | None = None


class MediaUploadResponse(_Graph):
    id: str


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
