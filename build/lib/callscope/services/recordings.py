"""Attaching a recording to a call, and reading a call back for the agent's whisper.

A recording usually arrives after the call's `completed` event, which the (call id, event)
ledger would ignore if sent again: so a recording is its own, naturally idempotent, update."""

from __future__ import annotations

from dataclasses import replace

from callscope.adapters.storage import Storage
from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput, NotFound


def attach_recording(storage: Storage, call_id: str, record_url: str) -> Call:
    """Set the call's recording URL; the same URL twice changes nothing."""
    if not record_url.startswith(("https://", "http://")):
        raise InvalidInput("record_url must be an http(s) URL")
    with storage.write() as uow:
        call = uow.calls.get(call_id, for_update=True)
        if call is None:
            raise NotFound("no call with that id")
        if call.record_url == record_url:
            return call
        call = replace(call, record_url=record_url)
        uow.calls.save(call)
        uow.commit()
    return call


def get_call(storage: Storage, call_id: str) -> Call:
    with storage.read() as uow:
        call = uow.calls.get(call_id)
    if call is None:
        raise NotFound("no call with that id")
    return call
