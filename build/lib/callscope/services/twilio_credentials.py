"""Twilio auth tokens per callscope account: stored by an admin, found for a signed request.

A request's token belongs to the account owning the dialed number (or the call); the
`CALLSCOPE_TWILIO_AUTH_TOKEN` setting serves accounts that stored none."""

from __future__ import annotations

from datetime import datetime

from callscope.adapters.storage import Storage


def save_credentials(
    storage: Storage, account_id: int, account_sid: str, auth_token: str, now: datetime
) -> None:
    """Store (or replace) the account's Twilio credentials."""
    with storage.write() as uow:
        uow.twilio.save(account_id, account_sid, auth_token, now)
        uow.commit()


def signing_token(
    storage: Storage, dialed: str | None, call_id: str | None, fallback: str | None
) -> str | None:
    """The token that must have signed a request about this tracking number and call: the
    owning account's, else `fallback`. None when the number and the call belong to two
    different accounts: no tenant's token may sign anything about another tenant's calls."""
    with storage.read() as uow:
        owners = {
            owner
            for owner in (
                uow.twilio.owner_of_call(call_id) if call_id else None,
                uow.twilio.owner_of_number(dialed) if dialed else None,
            )
            if owner is not None
        }
        if len(owners) != 1:
            return None if owners else fallback
        return uow.twilio.token(owners.pop()) or fallback
