"""Client workspaces: an account (an agency) groups its sites by client and grants people some
of them; a person with grants sees only those workspaces' sites (an owner always sees all)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.sites import Site, Workspace
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site


def create_workspace(storage: Storage, account_id: int, name: str, now: datetime) -> Workspace:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name: 1 to 200 characters")
    with storage.write() as uow:
        if uow.accounts.get(account_id) is None:
            raise NotFound(f"no account {account_id}")
        workspace = uow.users.add_workspace(account_id, name, now)
        uow.commit()
    return workspace


def list_workspaces(storage: Storage, account_id: int) -> list[Workspace]:
    with storage.read() as uow:
        return uow.users.workspaces(account_id)


def grants_of(storage: Storage, user_id: int) -> frozenset[int]:
    with storage.read() as uow:
        return uow.users.grants(user_id)


def place_site(storage: Storage, account_id: int, site_id: int, workspace_id: int | None) -> Site:
    """Put a site in one of the account's workspaces (None: in none, the whole account's)."""
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        if workspace_id is not None:
            _owned_workspace(uow, account_id, workspace_id)
        moved = replace(site, workspace_id=workspace_id)
        uow.sites.change(moved)
        uow.commit()
    return moved


def grant(
    storage: Storage, account_id: int, workspace_id: int, email: str, allow: bool = True
) -> None:
    """Grant (or, with allow=False, take back) a person of the account one workspace; read
    afresh on their next request."""
    with storage.write() as uow:
        _owned_workspace(uow, account_id, workspace_id)
        found = uow.users.credentials(email.strip().lower())
        if found is None or found.user.account_id != account_id:
            raise NotFound("no user with that e-mail in this account")
        if allow:
            uow.users.grant(found.user.id, workspace_id)
        else:
            uow.users.ungrant(found.user.id, workspace_id)
        uow.commit()


def _owned_workspace(uow: UnitOfWork, account_id: int, workspace_id: int) -> Workspace:
    for workspace in uow.users.workspaces(account_id):
        if workspace.id == workspace_id:
            return workspace
    raise NotFound(f"no workspace {workspace_id}")
