"""The report vocabulary (how figures can be grouped) and the figures a report is made of.

Everything that names a grouping derives from here: the HTTP parameters, the dashboard's
choices, the rollup dimensions and the storage columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum

from callscope.domain.calls import CallStatus
from callscope.domain.channel import Channel


class Grouping(StrEnum):
    """What a report's rows are: a channel field, the landing page, or a span of local time."""

    SOURCE = "source"
    MEDIUM = "medium"
    CAMPAIGN = "campaign"
    TERM = "term"
    LANDING_PAGE = "landing_page"
    DAY = "day"
    WEEK = "week"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Grouping.SOURCE: "Source",
    Grouping.MEDIUM: "Medium",
    Grouping.CAMPAIGN: "Campaign",
    Grouping.TERM: "Keyword",
    Grouping.LANDING_PAGE: "Landing page",
    Grouping.DAY: "Day",
    Grouping.WEEK: "Week",
}
# The channel's own fields, in order: stored on visits, calls, numbers, spend and rollups.
CHANNEL_GROUPINGS: tuple[str, ...] = tuple(
    g.value for g in (Grouping.SOURCE, Grouping.MEDIUM, Grouping.CAMPAIGN, Grouping.TERM)
)
TIME_GROUPINGS: tuple[str, ...] = (Grouping.DAY.value, Grouping.WEEK.value)
# The dashboard's breakdowns of where calls came from (time groupings make a series instead).
BREAKDOWNS: tuple[Grouping, ...] = tuple(g for g in Grouping if g.value not in TIME_GROUPINGS)
# Rollup rows are kept for the whole site ("site") and for each channel field.
DIMENSIONS: tuple[str, ...] = ("site", *CHANNEL_GROUPINGS)
ANSWERED = (CallStatus.ANSWERED.value, CallStatus.COMPLETED.value)


@dataclass(frozen=True)
class CallFigures:
    calls: int
    unique_callers: int
    first_time_callers: int
    answered: int
    missed: int
    total_duration: int
    mean_confidence: float
    qualified: int = 0


@dataclass(frozen=True)
class CallFact:
    """One call, reduced to what the report counts."""

    started_at: datetime
    caller: str | None
    first_time: bool
    status: str
    duration: int | None
    confidence: float
    landing_url: str | None
    source: str | None = None


@dataclass(frozen=True)
class CallFilter:
    site_id: int
    start: datetime
    end: datetime
    status: str | None = None
    first_time: bool | None = None
    source: str | None = None
    limit: int = 500
    spam: bool | None = None  # True: only spam; False: none of it; None: every call


def figures_of(facts: Iterable[CallFact], qualified_seconds: int) -> CallFigures:
    """The same figures `call_figures` computes in SQL, over facts already fetched."""
    facts = list(facts)
    answered = [f for f in facts if f.status in ANSWERED]
    return CallFigures(
        calls=len(facts),
        unique_callers=len({f.caller for f in facts if f.caller is not None}),
        first_time_callers=sum(f.first_time for f in facts),
        answered=len(answered),
        missed=sum(f.status == CallStatus.MISSED.value for f in facts),
        total_duration=sum(f.duration or 0 for f in answered),
        mean_confidence=sum(f.confidence for f in facts) / len(facts) if facts else 0.0,
        qualified=sum((f.duration or 0) >= qualified_seconds for f in answered),
    )


# The "previous day" of a caller's first call with a value: before any day a report can ask.
NEVER = date(1, 1, 1)
DayKey = tuple[str, date, str]  # (dimension, local day, value)
LinkKey = tuple[str, date, str, date]  # (dimension, local day, value, previous day)


@dataclass(frozen=True)
class CallTally:
    """What a set of calls adds to one rollup row."""

    calls: int = 0
    answered: int = 0
    missed: int = 0
    first_time: int = 0
    duration_sum: int = 0
    qualified: int = 0
    confidence_sum: float = 0.0

    def plus(self, other: CallTally, sign: int = 1) -> CallTally:
        return CallTally(
            *(getattr(self, f.name) + sign * getattr(other, f.name) for f in _TALLY_FIELDS)
        )


_TALLY_FIELDS = fields(CallTally)
SiteTally = tuple[int, DayKey, CallTally]  # (site, day key, what calls add there)
SiteLink = tuple[int, LinkKey, int]  # (site, link key, callers added there)


@dataclass(frozen=True)
class CallPlace:
    """Where one call sits in its caller's history: its order and its channel values."""

    call_id: str
    started_at: datetime
    values: dict[str, str]


def channel_values(channel: Channel | None) -> dict[str, str]:
    """The rollup value of each dimension; "" stands for none (and for the whole site)."""
    if channel is None:
        return dict.fromkeys(DIMENSIONS, "")
    fields_ = (channel.source, channel.medium, channel.campaign, channel.term)
    return {"site": "", **{d: v or "" for d, v in zip(CHANNEL_GROUPINGS, fields_, strict=True)}}
