"""Answering a telephony platform's question: where do I forward a call to this number, and
how (the call flow's plan: targets, strategy, notice, voicemail)?

Routing never fails a caller for lack of attribution: only an unknown dialed number is refused,
and a caller the account blocks (stored as spam). The answer comes from the in-memory route
table, so it does not wait behind visit writes and carries on while the database is away."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from callscope.domain.errors import Forbidden, NotFound, StorageError
from callscope.domain.flows import (
    ALLOWED,
    EMPTY_BLOCKLIST,
    Action,
    Blocklist,
    Plan,
    SpamRules,
    Strategy,
    Verdict,
    judge,
    single,
)
from callscope.domain.sites import NumberKind, RouteEntry
from callscope.logs import log_event
from callscope.services.calls import record_blocked_call
from callscope.services.ports import Storage

# A number without a flow judges callers by the blocklist alone (as before flows existed).
NO_RULES = SpamRules(anonymous=Action.ALLOW, invalid=Action.ALLOW)


class RouteLookup(Protocol):
    """A fast copy of the route table (the adapter keeps it in memory, fresh within seconds)."""

    def lookup(self, number: str) -> RouteEntry | None: ...
    def held(self, number: str) -> RouteEntry | None: ...
    def blocklist(self, account_id: int) -> Blocklist: ...


class CallerBlocked(Forbidden):
    """The caller is blocked (403); the call was stored as spam with this reason."""


@dataclass(frozen=True)
class Route:
    agent_number: str  # what a platform forwarding to one number dials: the plan's first
    number: RouteEntry
    plan: Plan
    verdict: Verdict = ALLOWED
    turn: int = 0  # the round-robin turn the plan was made for (to make it again later)


class RecentCallers:
    """Each caller's route requests within the last minutes, in this process, for the "too
    many calls" rule (a caller's calls to one server process; behind a balancer with N
    processes a burst is seen about 1/N per process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, size: int = 50_000) -> None:
        self._clock, self._size = clock, size
        self._seen: dict[tuple[int, str], deque[float]] = {}
        self._lock = threading.Lock()

    def count(self, site_id: int, caller: str, window_seconds: float) -> int:
        """How many calls the caller made within the window before this one (noted now)."""
        now = self._clock()
        with self._lock:
            if len(self._seen) >= self._size:
                self._seen.clear()
            seen = self._seen.setdefault((site_id, caller), deque())
            while seen and now - seen[0] > window_seconds:
                seen.popleft()
            earlier = len(seen)
            seen.append(now)
            return earlier


RECENT = RecentCallers()
_LOCAL_TURNS: dict[tuple[int, int], itertools.count[int]] = {}


def verdict_on(
    entry: RouteEntry,
    blocklist: Blocklist,
    caller: str | None,
    raw_caller: str | None,
    recent: RecentCallers = RECENT,
) -> Verdict:
    """The spam verdict on the caller of a call to `entry`'s number."""
    rules = entry.flow.spam if entry.flow is not None else NO_RULES
    earlier = 0
    if rules.max_calls and caller is not None:
        earlier = recent.count(entry.site_id, caller, rules.window_minutes * 60)
    if not blocklist.numbers and not blocklist.prefixes and rules is NO_RULES:
        return ALLOWED
    return judge(caller, raw_caller, blocklist, rules, earlier)


def plan_for(entry: RouteEntry, now: datetime, turn: int, verdict: Verdict) -> Plan:
    if entry.flow is None:
        return single(entry.agent_number)
    return entry.flow.plan_at(now, turn, gate=verdict.action is Action.GATE)


def _rotates(entry: RouteEntry) -> bool:
    return entry.flow is not None and entry.flow.strategy is Strategy.ROUND_ROBIN


def route_call(
    storage: Storage,
    dialed: str,
    ext: str | None,
    caller: str | None,
    now: datetime,
    routes: RouteLookup | None = None,
    raw_caller: str | None = None,
    verdict: Verdict | None = None,
    call_id: str | None = None,
) -> Route:
    """Without a route table (replay, tests) the number is looked up in the database.
    `verdict`: already judged (by `route_from_memory`). Raises CallerBlocked (stored as spam)."""
    entry = routes.lookup(dialed) if routes else lookup_route(storage, dialed)
    if entry is None:
        raise NotFound("not a tracking number")
    if ext and entry.kind is NumberKind.EXTENSION:
        _note_code(storage, entry, caller, ext, now)
    if verdict is None:
        listed = (
            routes.blocklist(entry.account_id) if routes else _blocklist(storage, entry, caller)
        )
        verdict = verdict_on(
            entry, listed, caller, raw_caller if raw_caller is not None else caller
        )
    if verdict.blocked:
        _store_spam(storage, entry, dialed, caller, verdict, now, call_id)
        raise CallerBlocked(f"caller blocked: {verdict.reason}")
    turn = _next_turn(storage, entry) if _rotates(entry) else 0
    plan = plan_for(entry, now, turn, verdict)
    return Route(plan.first or entry.agent_number, entry, plan, verdict, turn)


def plan_again(
    storage: Storage, routes: RouteLookup | None, dialed: str, turn: int, now: datetime
) -> Plan | None:
    """The plan a call was given (same round-robin turn), for a platform coming back for its
    next step (Twilio's `<Dial action>`, the "press 1" gate); None: no longer a number."""
    entry = routes.lookup(dialed) if routes else lookup_route(storage, dialed)
    return plan_for(entry, now, turn, ALLOWED) if entry is not None else None


def route_from_memory(
    routes: RouteLookup,
    dialed: str,
    ext: str | None,
    caller: str | None = None,
    raw_caller: str | None = None,
    now: datetime | None = None,
) -> Route | Verdict | None:
    """The answer when the fresh in-memory table holds the number and nothing is to be stored
    or counted in the database (a typed extension code, a blocked caller, a round-robin turn
    are): given without touching storage, so the server answers it on its event loop. None:
    use `route_call`; a Verdict: use `route_call` with it (the caller is judged once)."""
    entry = routes.held(dialed)
    if entry is None or (ext and entry.kind is NumberKind.EXTENSION):
        return None
    raw = raw_caller if raw_caller is not None else caller
    verdict = verdict_on(entry, routes.blocklist(entry.account_id), caller, raw)
    if verdict.blocked or _rotates(entry):
        return verdict
    if entry.flow is None:
        return Route(entry.agent_number, entry, single(entry.agent_number), verdict)
    plan = plan_for(entry, now or datetime.now().astimezone(), 0, verdict)
    return Route(plan.first or entry.agent_number, entry, plan, verdict)


def _next_turn(storage: Storage, entry: RouteEntry) -> int:
    """The flow's round-robin turn from its counter in the database (fair across processes);
    while the database is away, from a counter of this process."""
    try:
        with storage.write() as uow:
            turn = uow.flows.next_turn(entry.site_id, entry.flow_number_id)
            uow.commit()
        return turn
    except StorageError as exc:
        log_event("round_robin_local", error=str(exc), dialed=None)
        key = (entry.site_id, entry.flow_number_id)
        return next(_LOCAL_TURNS.setdefault(key, itertools.count()))


def _store_spam(
    storage: Storage,
    entry: RouteEntry,
    dialed: str,
    caller: str | None,
    verdict: Verdict,
    now: datetime,
    call_id: str | None,
) -> None:
    reason = verdict.reason or "blocked"
    try:
        record_blocked_call(storage, entry, dialed, caller, reason, now, call_id)
    except StorageError as exc:  # still refuse the call; the record is what is lost
        log_event("spam_record_lost", error=str(exc), dialed=dialed, caller=caller)


def _blocklist(storage: Storage, entry: RouteEntry, caller: str | None) -> Blocklist:
    if caller is None:
        return EMPTY_BLOCKLIST
    with storage.read() as uow:
        reason = uow.blocklist.reason_for(entry.site_id, caller)
    return Blocklist({caller: reason}) if reason is not None else EMPTY_BLOCKLIST


def _note_code(
    storage: Storage, entry: RouteEntry, caller: str | None, ext: str, now: datetime
) -> None:
    """Remember the typed code so a call record without it is still attributed; a database
    fault here must not stop the call from being forwarded."""
    try:
        with storage.write() as uow:
            uow.calls.note_route(entry.number_id, caller, ext, now)
            uow.commit()
    except StorageError as exc:
        log_event("route_note_lost", error=str(exc), dialed=None)


def lookup_route(storage: Storage, number: str) -> RouteEntry | None:
    """The route of one number, straight from the database."""
    with storage.read() as uow:
        rows = uow.numbers.routes(number)
    return rows[0][1] if rows else None
