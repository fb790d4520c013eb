"""What every dashboard page shows around its content: the viewer, their sites, the tab."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from callscope.domain.errors import NotFound
from callscope.domain.sites import Site
from callscope.services import reports, sites
from callscope.services.dashboard_sessions import Viewer
from callscope.services.ports import Storage


def site_context(
    storage: Storage, who: Viewer, site_id: int, request: Request, tab: str
) -> dict[str, Any]:
    """The page of one of the viewer's sites (NotFound, a 404, for anyone else's)."""
    site = sites.get_site(storage, who.account_id, site_id)
    if not who.sees(site):
        raise NotFound(f"no site {site_id}")
    return {
        "viewer": who,
        "site": site,
        "zone": reports.site_zone(site),
        "sites": visible_sites(storage, who),
        "tab": tab,
        "path": request.url.path,
    }


def account_context(storage: Storage, who: Viewer, tab: str) -> dict[str, Any]:
    """A page about the account as a whole (keys, users, a new site)."""
    return {
        "viewer": who,
        "site": None,
        "sites": visible_sites(storage, who),
        "tab": tab,
    }


def visible_sites(storage: Storage, who: Viewer) -> list[Site]:
    """The account's sites this viewer may see (those of their workspaces, if granted some)."""
    return [s for s in sites.list_sites(storage, who.account_id) if who.sees(s)]
