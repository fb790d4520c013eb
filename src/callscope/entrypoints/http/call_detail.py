"""One call in detail (admin): its stored recording, played from callscope, never from the
platform's public URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from callscope.entrypoints.http.deps import FilesDep, PrincipalDep, StorageDep
from callscope.services import recordings

router = APIRouter(tags=["admin"])
CallId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get(
    "/v1/calls/{call_id}/recording",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}}, "description": "the call's audio"}},
)
def call_recording(
    call_id: CallId, storage: StorageDep, principal: PrincipalDep, files: FilesDep
) -> FileResponse:
    """The call's recording as fetched into callscope's store (404 until it is fetched)."""
    found = recordings.recording_of(storage, principal.account_id, call_id)
    return FileResponse(files.path(found.path), media_type=found.content_type)
