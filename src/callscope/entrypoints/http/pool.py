"""The pool status API: is the site's pool big enough for its traffic?"""

from __future__ import annotations

from fastapi import APIRouter

from callscope.entrypoints.http.deps import NowDep, PeriodDep, PrincipalDep, StorageDep
from callscope.services.pool import pool_status

router = APIRouter(tags=["pool"])


@router.get("/v1/pool/status")
def status(
    storage: StorageDep,
    principal: PrincipalDep,
    now: NowDep,
    chosen: PeriodDep,
) -> dict[str, object]:
    """Pool size, leases held now, the peak held at once over the period (default: the last 30
    days), utilisation = peak / pool size, times the pool ran out, and a warning above 75%."""
    start, end = chosen.in_zone(now)
    found = pool_status(storage, principal.account_id, chosen.site, start, end, now)
    return {
        "site": found.site_id,
        "from": found.start.isoformat(),
        "to": found.end.isoformat(),
        "pool_size": found.pool_size,
        "live_leases": found.live_leases,
        "peak_concurrent_leases": found.peak_concurrent_leases,
        "utilisation": found.utilisation,
        "exhaustion_events": found.exhaustion_events,
        "warning": found.warning,
    }
