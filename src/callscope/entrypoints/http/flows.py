"""Call flows per site and per number, the account's blocklist, and marking a call as spam
(admin). Each change reaches every server process's routing within a second."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from callscope.domain.flows import BlockEntry, Flow, flow_to_dict
from callscope.entrypoints.http.deps import (
    MAX_ID,
    AdminDep,
    NowDep,
    NumberId,
    PrincipalDep,
    RoutesDep,
    SettingsDep,
    SiteId,
    StorageDep,
)
from callscope.entrypoints.http.schemas import BlockIn, BlockOut, CallOut, FlowBody, SpamIn
from callscope.phone import to_e164
from callscope.services import calls, flows

router = APIRouter(tags=["call flows"])
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
CallId = Annotated[str, Path(min_length=1, max_length=128)]


def flow_out(flow: Flow) -> FlowBody:
    return FlowBody.model_validate(flow_to_dict(flow))


@router.put("/v1/sites/{site_id}/flow", response_model=FlowBody)
def put_site_flow(
    site_id: SiteId,
    body: FlowBody,
    storage: StorageDep,
    routes: RoutesDep,
    principal: AdminDep,
    now: NowDep,
) -> FlowBody:
    """Set the site's call flow: hours, targets, strategy, fallbacks, notice, spam rules."""
    given = body.model_dump(mode="json")
    flow = flows.set_flow(storage, principal.account_id, site_id, None, given, now)
    routes.forget()
    return flow_out(flow)


@router.get("/v1/sites/{site_id}/flow", response_model=FlowBody)
def get_site_flow(site_id: SiteId, storage: StorageDep, principal: PrincipalDep) -> FlowBody:
    return flow_out(flows.get_flow(storage, principal.account_id, site_id, None))


@router.delete("/v1/sites/{site_id}/flow", status_code=204)
def delete_site_flow(
    site_id: SiteId, storage: StorageDep, routes: RoutesDep, principal: AdminDep
) -> Response:
    """Calls go straight to the site's forward number again."""
    flows.remove_flow(storage, principal.account_id, site_id, None)
    routes.forget()
    return Response(status_code=204)


@router.put("/v1/sites/{site_id}/numbers/{number_id}/flow", response_model=FlowBody)
def put_number_flow(
    site_id: SiteId,
    number_id: NumberId,
    body: FlowBody,
    storage: StorageDep,
    routes: RoutesDep,
    principal: AdminDep,
    now: NowDep,
) -> FlowBody:
    """Override the site's flow for calls to this number."""
    given = body.model_dump(mode="json")
    flow = flows.set_flow(storage, principal.account_id, site_id, number_id, given, now)
    routes.forget()
    return flow_out(flow)


@router.get("/v1/sites/{site_id}/numbers/{number_id}/flow", response_model=FlowBody)
def get_number_flow(
    site_id: SiteId, number_id: NumberId, storage: StorageDep, principal: PrincipalDep
) -> FlowBody:
    return flow_out(flows.get_flow(storage, principal.account_id, site_id, number_id))


@router.delete("/v1/sites/{site_id}/numbers/{number_id}/flow", status_code=204)
def delete_number_flow(
    site_id: SiteId,
    number_id: NumberId,
    storage: StorageDep,
    routes: RoutesDep,
    principal: AdminDep,
) -> Response:
    """The number follows its site's flow again."""
    flows.remove_flow(storage, principal.account_id, site_id, number_id)
    routes.forget()
    return Response(status_code=204)


def block_out(entry: BlockEntry) -> BlockOut:
    return BlockOut(
        id=entry.id,
        number=entry.number,
        prefix=entry.prefix,
        reason=entry.reason,
        created_at=entry.created_at,
    )


@router.post("/v1/blocklist", response_model=BlockOut, status_code=201)
def add_block(
    body: BlockIn,
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    principal: AdminDep,
    now: NowDep,
) -> BlockOut:
    """Block a caller number or a number prefix for every site of the account: their calls
    are refused (non-200 from the route endpoints) and stored as spam."""
    number = to_e164(body.number, settings.default_region) if body.number else None
    entry = flows.block(storage, principal.account_id, number, body.prefix, body.reason, now)
    routes.forget()
    return block_out(entry)


@router.get("/v1/blocklist")
def list_blocks(storage: StorageDep, principal: PrincipalDep) -> dict[str, list[BlockOut]]:
    return {"blocklist": [block_out(e) for e in flows.blocklist(storage, principal.account_id)]}


@router.delete("/v1/blocklist/{entry_id}", status_code=204)
def remove_block(
    entry_id: EntryId, storage: StorageDep, routes: RoutesDep, principal: AdminDep
) -> Response:
    flows.unblock(storage, principal.account_id, entry_id)
    routes.forget()
    return Response(status_code=204)


@router.post("/v1/calls/{call_id}/spam", response_model=CallOut)
def mark_spam(
    call_id: CallId,
    storage: StorageDep,
    routes: RoutesDep,
    principal: AdminDep,
    now: NowDep,
    body: SpamIn | None = None,
) -> CallOut:
    """Mark the call as spam: it leaves reports, conversions and first-time counts, and its
    caller joins the account's blocklist."""
    reason = body.reason if body is not None else "marked as spam"
    call = calls.mark_spam(storage, principal.account_id, call_id, reason, now)
    routes.forget()
    return CallOut.of(call)
