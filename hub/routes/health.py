"""The hub's own liveness, for process managers and the demo's start-up wait (no auth)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


@router.get("/healthz", summary="Liveness (no auth)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
