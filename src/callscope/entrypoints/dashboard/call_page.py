"""The dashboard's page of one call: its recording played from callscope, the transcript by
speaker (a line's time seeks the player), the keywords heard, tags, the lead score with its
reasons, and a form for a person's score, qualification and notes (an owner's or admin's; the
form carries the session's CSRF token, checked for the whole router in `routes.py`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Path, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.keywords import marked
from callscope.entrypoints.dashboard import render
from callscope.entrypoints.dashboard.context import site_context
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import ManagerDep, SignedInDep
from callscope.entrypoints.http.deps import FilesDep, NowDep, SettingsDep, StorageDep
from callscope.services import insights, recordings
from callscope.services.dashboard_sessions import Viewer
from callscope.services.ports import Storage
from callscope.settings import Settings

CallId = Annotated[str, Path(min_length=1, max_length=128)]
QUALIFIED = {"": None, "yes": True, "no": False}


def _detail(
    storage: Storage, who: Viewer, site_id: int, call_id: str, settings: Settings
) -> insights.CallDetail:
    limits = insights.Thresholds(settings.qualified_score, settings.qualified_seconds)
    detail = insights.call_detail(storage, who.account_id, call_id, limits)
    if detail.call.site_id != site_id:
        raise NotFound("no call with that id on this site")
    return detail


@router.get("/sites/{site_id}/calls/{call_id}")
def call_page(
    site_id: int,
    call_id: CallId,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    settings: SettingsDep,
) -> Response:
    context = site_context(storage, who, site_id, request, "calls")
    detail = _detail(storage, who, site_id, call_id, settings)
    rules = insights.list_keywords(storage, who.account_id, site_id)
    transcript = detail.transcript.transcript
    lines = [
        (segment, marked(rules, segment.speaker, segment.text))
        for segment in (transcript.segments if transcript else ())
    ]
    try:
        recordings.playable(storage, who.account_id, call_id)
        recorded = True
    except NotFound:
        recorded = False
    return render.page(
        "call.html",
        **context,
        call=detail.call,
        insight=detail.insight,
        qualified=detail.qualified,
        transcript=detail.transcript,
        lines=lines,
        recorded=recorded,
        admin=who.manages,
    )


@router.get("/sites/{site_id}/calls/{call_id}/recording")
def call_recording(
    site_id: int, call_id: CallId, storage: StorageDep, who: SignedInDep, files: FilesDep
) -> FileResponse:
    """The call's audio from callscope's store (the redacted copy when the site redacts)."""
    found = recordings.playable(storage, who.account_id, call_id)
    if found.site_id != site_id:
        raise NotFound("no call with that id on this site")
    return FileResponse(files.path(found.path), media_type=found.content_type)


@router.post("/sites/{site_id}/calls/{call_id}/review")
def review(
    site_id: int,
    call_id: CallId,
    storage: StorageDep,
    who: ManagerDep,
    settings: SettingsDep,
    now: NowDep,
    score: Annotated[str, Form(max_length=3)] = "",
    qualified: Annotated[str, Form(max_length=3)] = "",
    notes: Annotated[str, Form(max_length=insights.MAX_NOTES)] = "",
) -> Response:
    """A person's score (blank: the computed one), qualification (blank: from the score) and
    notes; back to the call's page."""
    _detail(storage, who, site_id, call_id, settings)
    if score.strip() and not score.strip().isdigit():
        raise InvalidInput("score must be a whole number 0-100")
    if qualified not in QUALIFIED:
        raise InvalidInput("qualified must be yes, no or blank")
    value = int(score) if score.strip() else None
    insights.override(
        storage, who.account_id, call_id, value, QUALIFIED[qualified], now, notes.replace("\r", "")
    )
    return RedirectResponse(f"/dashboard/sites/{site_id}/calls/{quote(call_id)}", status_code=303)
