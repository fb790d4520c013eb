"""Synthetic traces for `callscope replay`: visits and calls with their ground truth, seedable.

Also reads and writes the two trace CSV files whose format CONTRACT.md fixes.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from callscope.domain.errors import InvalidInput
from callscope.domain.progress import Progress, unreported

VISIT_HEADER = ("visit_id", "start", "end", "landing_url", "referrer")
CALL_HEADER = ("call_id", "at", "visit_id", "caller")

DAY = 86400.0
HOUR = 3600.0


@dataclass(frozen=True)
class TraceVisit:
    """A visit: seconds from trace start to landing and to the visitor's last moment on site."""

    visit_id: str
    start: float
    end: float
    landing_url: str
    referrer: str
    visitor_id: str | None = None  # the snippet's visitor id; generated traces leave it out


@dataclass(frozen=True)
class TraceCall:
    """A call; visit_id is the visit whose page gave the number, None for a caller not from it."""

    call_id: str
    at: float
    visit_id: str | None
    caller: str


@dataclass(frozen=True)
class Trace:
    """A trace as replay reads it: visits in arrival order, calls sorted by time."""

    visits: tuple[TraceVisit, ...]
    calls: tuple[TraceCall, ...]


@dataclass(frozen=True)
class CallTiming:
    """When a visitor who calls does so: relative weights of three habits, and their spreads."""

    during_visit: float = 0.7
    within_hours: float = 0.2
    days_later: float = 0.1
    hours_median_minutes: float = 30.0
    max_days_later: float = 7.0


DEFAULT_CHANNEL_MIX: tuple[tuple[str, float], ...] = (
    ("google_cpc", 0.30),
    ("google_organic", 0.25),
    ("direct", 0.20),
    ("facebook_paid", 0.10),
    ("referral", 0.08),
    ("bing_cpc", 0.07),
)


@dataclass(frozen=True)
class TraceParams:
    """The traffic to synthesise; second 0 is midnight of the first day.

    hourly_profile (24 relative weights) replaces the sinusoid peaking at peak_hour when given;
    channel_mix weights are relative. call_probability is per visit; each caller repeats with
    repeat_probability; outside callers (no visit) arrive with the same daily shape.
    """

    days: int = 7
    visits_per_day: float = 1000.0
    peak_hour: float = 15.0
    diurnal_amplitude: float = 0.7
    hourly_profile: tuple[float, ...] | None = None
    visit_median_minutes: float = 3.0
    visit_sigma: float = 0.9
    channel_mix: tuple[tuple[str, float], ...] = DEFAULT_CHANNEL_MIX
    call_probability: float = 0.05
    timing: CallTiming = field(default_factory=CallTiming)
    repeat_probability: float = 0.1
    repeat_median_minutes: float = 60.0
    outside_calls_per_day: float = 3.0
    site_url: str = "https://www.example-plumbing.com"
    local_area_codes: tuple[str, ...] = ("212", "646", "718", "917")
    local_caller_share: float = 0.8


def generate_trace(params: TraceParams, seed: int, progress: Progress = unreported) -> Trace:
    """Visits from a diurnal Poisson process and the calls they make; same seed, same trace.
    `progress` hears the trace hours generated of its length."""
    _check(params)
    rng = random.Random(seed)
    callers = _CallerBook(rng, params)
    visits: list[TraceVisit] = []
    pending: list[tuple[float, str | None, str]] = []
    hours = int(params.days * DAY // HOUR)
    for index, start in enumerate(_arrival_times(params.visits_per_day, params, rng), 1):
        progress(int(start // HOUR), hours)
        visit = _visit(f"v{index:06d}", start, params, rng)
        visits.append(visit)
        if rng.random() < params.call_probability:
            pending.extend(_calls_of(visit, callers.fresh(), params, rng))
    for at in _arrival_times(params.outside_calls_per_day, params, rng):
        pending.append((_ms(at), None, callers.fresh()))
    pending.sort(key=lambda call: call[0])
    progress(hours, hours)
    calls = (TraceCall(f"c{i:06d}", at, vid, who) for i, (at, vid, who) in enumerate(pending, 1))
    return Trace(tuple(visits), tuple(calls))


def write_trace(trace: Trace, visits_path: Path | str, calls_path: Path | str) -> None:
    """Write the visits and calls CSV files, header row first, times in seconds to the ms."""
    with open(visits_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(VISIT_HEADER)
        for v in trace.visits:
            writer.writerow(
                (v.visit_id, f"{v.start:.3f}", f"{v.end:.3f}", v.landing_url, v.referrer)
            )
    with open(calls_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CALL_HEADER)
        for c in trace.calls:
            writer.writerow((c.call_id, f"{c.at:.3f}", c.visit_id or "", c.caller))


def read_trace(visits_path: Path | str, calls_path: Path | str) -> Trace:
    """Read a trace written by write_trace or by hand; InvalidInput names the bad file and line."""
    visits = [
        TraceVisit(row[0], _number(row[1], where), _number(row[2], where), row[3], row[4])
        for row, where in _rows(visits_path, VISIT_HEADER)
    ]
    calls = [
        TraceCall(row[0], _number(row[1], where), row[2] or None, row[3])
        for row, where in _rows(calls_path, CALL_HEADER)
    ]
    return Trace(tuple(visits), tuple(calls))


def _rows(path: Path | str, header: tuple[str, ...]) -> Iterator[tuple[list[str], str]]:
    # utf-8-sig: spreadsheets save CSV with a byte order mark before the header.
    with open(path, newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        if tuple(next(reader, [])) != header:
            raise InvalidInput(f"{path}: the first row must be {','.join(header)}")
        for row in reader:
            where = f"{path} line {reader.line_num}"
            if len(row) != len(header):
                raise InvalidInput(f"{where}: expected {len(header)} columns, got {len(row)}")
            yield row, where


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{where}: {text!r} is not a number of seconds") from None


def _check(params: TraceParams) -> None:
    unknown = [name for name, _ in params.channel_mix if name not in CHANNELS]
    if unknown:
        raise InvalidInput(f"unknown channels {unknown}; known: {', '.join(CHANNELS)}")
    profile = params.hourly_profile
    if profile is not None and (len(profile) != 24 or min(profile) < 0 or sum(profile) <= 0):
        raise InvalidInput("hourly_profile must hold 24 weights, none negative, not all zero")
    if sum(weight for _, weight in params.channel_mix) <= 0 or params.visit_median_minutes <= 0:
        raise InvalidInput("need a channel mix with some weight and a positive visit median")
    if params.days < 1 or params.visits_per_day < 0 or not 0 <= params.diurnal_amplitude <= 1:
        raise InvalidInput("need days >= 1, visits_per_day >= 0, 0 <= diurnal_amplitude <= 1")
    if not (0 <= params.call_probability <= 1 and 0 <= params.repeat_probability < 1):
        raise InvalidInput("need 0 <= call_probability <= 1 and 0 <= repeat_probability < 1")


def _relative_rate(params: TraceParams, at: float) -> float:
    """The arrival rate at a moment relative to the day's mean rate (mean 1 over a day)."""
    hour = (at % DAY) / HOUR
    if params.hourly_profile is not None:
        weights = params.hourly_profile
        return 24.0 * weights[int(hour)] / sum(weights)
    angle = 2.0 * math.pi * (hour - params.peak_hour) / 24.0
    return 1.0 + params.diurnal_amplitude * math.cos(angle)


def _arrival_times(per_day: float, params: TraceParams, rng: random.Random) -> Iterator[float]:
    """A Poisson process following the diurnal shape, drawn by thinning a constant-rate one."""
    if params.hourly_profile is not None:
        top = 24.0 * max(params.hourly_profile) / sum(params.hourly_profile)
    else:
        top = 1.0 + params.diurnal_amplitude
    rate = per_day / DAY * top
    if rate <= 0:
        return
    at = rng.expovariate(rate)
    while at < params.days * DAY:
        if rng.random() * top < _relative_rate(params, at):
            yield at
        at += rng.expovariate(rate)


def _visit(visit_id: str, start: float, params: TraceParams, rng: random.Random) -> TraceVisit:
    median = params.visit_median_minutes * 60.0
    # A visit lasts at least the second it takes the snippet to ask for a number.
    length = max(1.0, rng.lognormvariate(math.log(median), params.visit_sigma))
    names = [name for name, _ in params.channel_mix]
    weights = [weight for _, weight in params.channel_mix]
    landing_url, referrer = CHANNELS[rng.choices(names, weights)[0]](rng, params.site_url)
    return TraceVisit(visit_id, _ms(start), _ms(start + length), landing_url, referrer)


def _calls_of(
    visit: TraceVisit, caller: str, params: TraceParams, rng: random.Random
) -> list[tuple[float, str | None, str]]:
    """The visitor's first call and any repeats; the same person dials from the same number."""
    at = _first_call_at(visit, params.timing, rng)
    calls: list[tuple[float, str | None, str]] = [(at, visit.visit_id, caller)]
    while rng.random() < params.repeat_probability:
        median = params.repeat_median_minutes * 60.0
        at = _ms(at + max(60.0, rng.lognormvariate(math.log(median), 1.5)))
        calls.append((at, visit.visit_id, caller))
    return calls


def _first_call_at(visit: TraceVisit, timing: CallTiming, rng: random.Random) -> float:
    weights = (timing.during_visit, timing.within_hours, timing.days_later)
    habit = rng.choices(("during", "hours", "days"), weights)[0]
    if habit == "during":
        return _ms(rng.uniform(visit.start, visit.end))
    if habit == "hours":
        median = timing.hours_median_minutes * 60.0
        # At least a minute after leaving, so "after the visit" stays after it once rounded.
        return _ms(visit.end + max(60.0, rng.lognormvariate(math.log(median), 1.0)))
    return _ms(visit.end + rng.uniform(1.0, timing.max_days_later) * DAY)


def _ms(seconds: float) -> float:
    """Times are kept to the millisecond so that a written and re-read trace is identical."""
    return round(seconds, 3)


# Area codes from elsewhere in the US, for the share of callers who are not local.
_OTHER_AREA_CODES = ("305", "312", "415", "512", "617", "702", "713", "206", "303", "404")


class _CallerBook:
    """Hands out distinct caller numbers +1 NPA 555 XXXX: valid E.164, no subscriber lines."""

    def __init__(self, rng: random.Random, params: TraceParams) -> None:
        self._rng = rng
        self._params = params
        self._used: set[str] = set()

    def fresh(self) -> str:
        for _ in range(10_000):
            local = self._rng.random() < self._params.local_caller_share
            codes = self._params.local_area_codes if local else _OTHER_AREA_CODES
            line = self._rng.randint(100, 9999)
            number = f"+1{self._rng.choice(codes)}555{line:04d}"
            # 555-1212 is directory assistance in every area code.
            if line != 1212 and number not in self._used:
                self._used.add(number)
                return number
        raise InvalidInput("too many callers for the +1 NPA 555 number space; add area codes")


_CAMPAIGNS = ("brand", "boiler-repair", "emergency-24h", "drain-cleaning")
_TERMS = ("boiler repair", "emergency plumber near me", "blocked drain", "plumber", "water heater")
_PATHS = ("/", "/", "/boiler-repair", "/emergency-plumber", "/drain-cleaning", "/pricing")
_REFERRERS = (
    "https://www.yelp.com/biz/example-plumbing-new-york",
    "https://www.angi.com/companylist/us/ny/new-york/example-plumbing.htm",
    "https://nextdoor.com/pages/example-plumbing-new-york-ny/",
    "https://www.bbb.org/us/ny/new-york/profile/plumber/example-plumbing",
)
_URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _token(rng: random.Random, prefix: str, length: int, alphabet: str = _URL_SAFE) -> str:
    return prefix + "".join(rng.choices(alphabet, k=length - len(prefix)))


def _landing(rng: random.Random, site: str, query: dict[str, str] | None = None) -> str:
    url = site + rng.choice(_PATHS)
    return f"{url}?{urlencode(query)}" if query else url


def _paid_query(rng: random.Random, source: str, medium: str) -> dict[str, str]:
    return {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": rng.choice(_CAMPAIGNS),
        "utm_term": rng.choice(_TERMS),
    }


def _google_cpc(rng: random.Random, site: str) -> tuple[str, str]:
    query = _paid_query(rng, "google", "cpc") | {"gclid": _token(rng, "EAIaIQobChMI", 72)}
    return _landing(rng, site, query), "https://www.google.com/"


def _google_organic(rng: random.Random, site: str) -> tuple[str, str]:
    return _landing(rng, site), "https://www.google.com/"


def _direct(rng: random.Random, site: str) -> tuple[str, str]:
    return _landing(rng, site), ""


def _facebook_paid(rng: random.Random, site: str) -> tuple[str, str]:
    query = _paid_query(rng, "facebook", "paid-social") | {"fbclid": _token(rng, "IwAR", 61)}
    referrer = rng.choice(("https://l.facebook.com/", "https://m.facebook.com/"))
    return _landing(rng, site, query), referrer


def _referral(rng: random.Random, site: str) -> tuple[str, str]:
    return _landing(rng, site), rng.choice(_REFERRERS)


def _bing_cpc(rng: random.Random, site: str) -> tuple[str, str]:
    query = _paid_query(rng, "bing", "cpc") | {"msclkid": _token(rng, "", 32, "0123456789abcdef")}
    return _landing(rng, site, query), "https://www.bing.com/"


CHANNELS: dict[str, Callable[[random.Random, str], tuple[str, str]]] = {
    "google_cpc": _google_cpc,
    "google_organic": _google_organic,
    "direct": _direct,
    "facebook_paid": _facebook_paid,
    "referral": _referral,
    "bing_cpc": _bing_cpc,
}
