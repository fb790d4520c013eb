"""Reading `from` / `to` query values: a date (whole local days of the site, `to` inclusive)
or an ISO 8601 time (UTC unless it carries an offset)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from callscope.domain.errors import InvalidInput

DEFAULT_DAYS = 30


def period(
    start: str | None, end: str | None, now: datetime, zone: tzinfo = UTC
) -> tuple[datetime, datetime]:
    """[since, until) in UTC; dates are read as midnights in `zone` (the site's time zone)."""
    until = _moment(end, "to", True, zone) if end else now + timedelta(seconds=1)
    since = _moment(start, "from", False, zone) if start else until - timedelta(DEFAULT_DAYS)
    if until <= since:
        raise InvalidInput("'to' must be after 'from'")
    return since, until


def _moment(text: str, name: str, end_of_day: bool, zone: tzinfo) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time(), zone).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"'{name}' must be a date (2026-01-31) or an ISO 8601 time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
