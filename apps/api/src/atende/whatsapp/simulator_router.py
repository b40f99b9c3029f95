"""`POST /api/simulator/inbound`: a simulated customer writes to a simulated number.

The message goes through the real webhook over HTTP, signed like Meta's, so the developer
panel exercises exactly the production intake path. A picture, voice note or document is
first put in the simulator's media store, from where Atende downloads it as from Meta.
"""

import uuid
from typing import Any, Literal, Self

from fastapi import APIRouter, Depends, Request
from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import SessionDep, rollback
from atende.core.deps import SettingsDep, require_role
from atende.core.exceptions import InvalidInput, NotFound, UpstreamError
from atende.core.schemas import AppSchema
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.users.models import Role
from atende.whatsapp import simulator_samples
from atende.whatsapp.simulator import Simulator
from atende.whatsapp.simulator_webhooks import post_inbound, post_inbound_media

router = APIRouter(prefix="/simulator", tags=["simulator"])


class NumberNotSimulated(InvalidInput):
    code = "number_not_simulated"


class SimulatedInbound(AppSchema):
    number_id: uuid.UUID
    wa_id: str = Field(pattern=r"^\d{5,20}$")
    name: str = Field(min_length=1, max_length=255)
    type: Literal["text", "image", "audio", "document"] = "text"
    # The message, or the caption of an image or document.
    text: str | None = Field(default=None, min_length=1, max_length=4096)
    # A document's file name.
    filename: str | None = Field(default=None, min_length=1, max_length=255)

    @model_validator(mode="after")
    def _text_fits_type(self) -> Self:
        if self.type == "text" and self.text is None:
            raise ValueError("a text message needs `text`")
        if self.type == "audio" and self.text is not None:
            raise ValueError("a voice note has no caption")
        if self.type in ("image", "document") and self.text and len(self.text) > 1024:
            raise ValueError("a caption has at most 1024 characters")
        return self


class SimulatedInboundResult(AppSchema):
    wamid: str
    webhook_status: int


def _sample_media(
    simulator: Simulator, phone_number_id: str, data: SimulatedInbound
) -> dict[str, Any]:
    """Puts a generated file in the simulator's media store; returns the webhook's media
    object for it, as Meta shapes it (cloud-api.md §4.2)."""
    if data.type == "image":
        stored = simulator.media.add(
            owner=phone_number_id, data=simulator_samples.png(), mime_type="image/png"
        )
        media: dict[str, Any] = {"caption": data.text} if data.text else {}
    elif data.type == "audio":
        stored = simulator.media.add(
            owner=phone_number_id,
            data=simulator_samples.ogg_opus(),
            mime_type="audio/ogg; codecs=opus",
        )
        media = {"voice": True}
    else:
        filename = data.filename or "documento.pdf"
        stored = simulator.media.add(
            owner=phone_number_id,
            data=simulator_samples.pdf(),
            mime_type="application/pdf",
            filename=filename,
        )
        media = {"filename": filename, **({"caption": data.text} if data.text else {})}
    return {"id": stored.id, "mime_type": stored.mime_type, "sha256": stored.sha256, **media}


async def simulate_inbound(
    session: AsyncSession,
    *,
    settings: Settings,
    data: SimulatedInbound,
    simulator: Simulator | None = None,
) -> SimulatedInboundResult:
    if not settings.is_simulator_enabled:
        raise NotFound("The simulator is disabled")
    number = await session.get(Number, data.number_id)
    if number is None:
        raise NumberNotFound("Number not found")
    if not number.is_simulated:
        raise NumberNotSimulated("Only a simulated number can receive simulated messages")
    phone_number_id, display = number.phone_number_id, number.display_phone_number
    # No transaction stays open while our own webhook stores the message.
    await rollback(session)
    if data.type == "text":
        assert data.text is not None  # the schema asks for it
        status, wamid = await post_inbound(
            url=settings.simulator_webhook_url,
            app_secret=settings.whatsapp_app_secret,
            phone_number_id=phone_number_id,
            display_phone_number=display,
            wa_id=data.wa_id,
            name=data.name,
            text=data.text,
        )
    else:
        if simulator is None:
            raise NotFound("The simulator is disabled")
        status, wamid = await post_inbound_media(
            url=settings.simulator_webhook_url,
            app_secret=settings.whatsapp_app_secret,
            phone_number_id=phone_number_id,
            display_phone_number=display,
            wa_id=data.wa_id,
            name=data.name,
            kind=data.type,
            media=_sample_media(simulator, phone_number_id, data),
        )
    if status != 200:
        raise UpstreamError(f"The webhook answered HTTP {status or 'nothing'}")
    return SimulatedInboundResult(wamid=wamid, webhook_status=status)


@router.post(
    "/inbound",
    status_code=202,
    operation_id="simulator-post_inbound",
    dependencies=[Depends(require_role(Role.ADMIN, Role.SUPERVISOR))],
)
async def post_simulated_inbound(
    request: Request, session: SessionDep, settings: SettingsDep, body: SimulatedInbound
) -> SimulatedInboundResult:
    return await simulate_inbound(
        session,
        settings=settings,
        data=body,
        simulator=getattr(request.app.state, "simulator", None),
    )
