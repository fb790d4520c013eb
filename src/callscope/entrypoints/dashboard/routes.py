"""The dashboard's one router: every page and form under /dashboard registers here, so every
POST passes the CSRF check (`check_csrf`), every route about a site the workspace check
(`check_site_access`), and the routes can be walked from one list."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from callscope.entrypoints.dashboard.session import check_csrf, check_site_access

router = APIRouter(
    prefix="/dashboard",
    tags=["dashboard"],
    include_in_schema=False,
    dependencies=[Depends(check_csrf), Depends(check_site_access)],
)
