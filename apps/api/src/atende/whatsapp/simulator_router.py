"""`POST /api/simulator/inbound`: a simulated customer writes to a simulated number.

The message goes through the real webhook over HTTP, signed like Meta's, so the developer
panel exercises exactly the production intake path.
"""

import uuid

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from atende.core.config import Settings
from atende.core.db import SessionDep, rollback
from atende.core.deps import SettingsDep, require_role
from atende.core.exceptions import InvalidInput, NotFound, UpstreamError
from atende.core.schemas import AppSchema
from atende.numbers.exceptions import NumberNotFound
from atende.numbers.models import Number
from atende.users.models import Role
from atende.whatsapp.simulator_webhooks import post_inbound

router = APIRouter(prefix="/simulator", tags=["simulator"])


class NumberNotSimulated(InvalidInput):
    code = "number_not_simulated"


class SimulatedInbound(AppSchema):
    number_id: uuid.UUID
    wa_id: str = Field(pattern=r"^\d{5,20}$")
    name: str = Field(min_length=1, max_length=255)
    text: str = Field(min_length=1, max_length=4096)


class SimulatedInboundResult(AppSchema):
    wamid: str
    webhook_status: int


async def simulate_inbound(
    session: AsyncSession, *, settings: Settings, data: SimulatedInbound
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
    status, wamid = await post_inbound(
        url=settings.simulator_webhook_url,
        app_secret=settings.whatsapp_app_secret,
        phone_number_id=phone_number_id,
        display_phone_number=display,
        wa_id=data.wa_id,
        name=data.name,
        text=data.text,
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
    session: SessionDep, settings: SettingsDep, body: SimulatedInbound
) -> SimulatedInboundResult:
    return await simulate_inbound(session, settings=settings, data=body)
