"""Composes the module routers: everything under /api needs a logged-in user but login."""

from fastapi import APIRouter, Depends

from atende.auth.router import router as auth_router
from atende.contacts.router import router as contacts_router
from atende.conversations.router import router as conversations_router
from atende.core.deps import get_current_user
from atende.core.schemas import API_ERRORS
from atende.dashboard.router import router as dashboard_router
from atende.media.router import public_router as media_public_router
from atende.media.router import router as media_router
from atende.messages.router import router as messages_router
from atende.numbers.router import router as numbers_router
from atende.quick_replies.router import router as quick_replies_router
from atende.teams.router import router as teams_router
from atende.templates.router import router as templates_router
from atende.transfers.router import router as transfers_router
from atende.users.router import router as users_router
from atende.whatsapp.simulator_router import router as simulator_router

api_router = APIRouter(prefix="/api", responses=API_ERRORS)
api_router.include_router(auth_router)
# Signed media links carry their own authorization (media/links.py).
api_router.include_router(media_public_router)

authenticated = APIRouter(dependencies=[Depends(get_current_user)])
for module_router in (
    users_router,
    teams_router,
    numbers_router,
    contacts_router,
    conversations_router,
    messages_router,
    transfers_router,
    dashboard_router,
    simulator_router,
    quick_replies_router,
    templates_router,
    media_router,
):
    authenticated.include_router(module_router)
api_router.include_router(authenticated)
