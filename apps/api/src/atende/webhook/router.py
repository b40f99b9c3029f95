from fastapi import APIRouter

router = APIRouter(prefix="/webhook", tags=["webhook"])
