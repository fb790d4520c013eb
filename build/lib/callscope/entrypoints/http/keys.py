"""API keys of the asking account: create (shown once), list (prefixes only), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from callscope.entrypoints.http.deps import AdminDep, ItemId, NowDep, PrincipalDep, StorageDep
from callscope.services import accounts

router = APIRouter(tags=["admin"])


class KeyIn(BaseModel):
    scope: Literal["admin", "read"] = "read"


class KeyOut(BaseModel):
    key_id: int
    prefix: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


@router.post("/v1/keys", status_code=201)
def create_key(
    body: KeyIn, storage: StorageDep, principal: AdminDep, now: NowDep
) -> dict[str, str]:
    """A new key; the response is the only time it is shown."""
    raw = accounts.create_key(storage, principal.account_id, body.scope, now)
    return {"key": raw, "prefix": raw[:8], "scope": body.scope}


@router.get("/v1/keys")
def list_keys(storage: StorageDep, principal: PrincipalDep) -> dict[str, list[KeyOut]]:
    found = accounts.list_keys(storage, principal.account_id)
    return {
        "keys": [
            KeyOut(
                key_id=k.id,
                prefix=k.prefix,
                scope=k.scope,
                created_at=k.created_at,
                revoked_at=k.revoked_at,
            )
            for k in found
        ]
    }


@router.delete("/v1/keys/{key_id}", status_code=204)
def revoke_key(key_id: ItemId, storage: StorageDep, principal: AdminDep, now: NowDep) -> Response:
    accounts.revoke_key(storage, principal.account_id, key_id, now)
    return Response(status_code=204)
