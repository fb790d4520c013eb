"""Reads that may come from a PostgreSQL streaming replica: reports, exports, the dashboard and
route-table loads. The replica is used while its replay lag stays under a bound; a lagging,
stopped or unreachable replica sends those reads to the primary. Writes always go to the
primary, and so does anything that must see its own write (services use `write()` for it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from callscope.adapters.storage import Storage
from callscope.adapters.unit_of_work import UnitOfWork
from callscope.domain.errors import StorageError
from callscope.logs import log_event

CHECK_EVERY = 1.0  # seconds between two looks at the replica's lag
# Seconds since the last replayed transaction, or 0 when everything received is replayed (an
# idle primary sends nothing new, and the replica is then fully caught up).
LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"
)


class ReplicaStorage(Storage):
    """`write()` on the primary; `read()` on the replica while it keeps up within `max_lag`
    seconds, else on the primary."""

    def __init__(
        self,
        primary: Storage,
        replica_url: str,
        max_lag: float,
        pool_size: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(primary.engine)
        # A ping at each checkout: a replica that went away fails there, where the read can
        # still turn to the primary, not in the middle of a report.
        self.replica = create_engine(
            replica_url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True
        )
        self._max_lag = max_lag
        self._clock = clock
        self._checked_at = -CHECK_EVERY
        self._usable = False
        self._lock = threading.Lock()

    def read(self) -> UnitOfWork:
        if self.replica_usable():
            return _ReplicaRead(self.replica, self.engine, self._lost)
        return super().read()

    def replica_usable(self) -> bool:
        """Whether reads go to the replica now (its lag is read at most once a second)."""
        now = self._clock()
        if now - self._checked_at >= CHECK_EVERY and self._lock.acquire(blocking=False):
            try:
                self._checked_at = now
                self._usable = self._lag_within_bound()
            finally:
                self._lock.release()
        return self._usable

    def _lag_within_bound(self) -> bool:
        try:
            with self.replica.connect() as conn:
                lag = float(conn.execute(LAG).scalar_one())
        except SQLAlchemyError as exc:
            log_event("replica_unavailable", error=type(exc).__name__)
            return False
        if lag > self._max_lag:
            log_event("replica_lagging", lag_seconds=round(lag, 1))
            return False
        return True

    def _lost(self) -> None:
        self._usable = False
        self._checked_at = self._clock()

    def close(self) -> None:
        """Close the replica's connections (the primary's belong to the primary's storage)."""
        self.replica.dispose()


class _ReplicaRead(UnitOfWork):
    """A read unit of work on the replica that turns to the primary if the replica cannot be
    reached when it starts."""

    def __init__(self, replica: Engine, primary: Engine, lost: Callable[[], None]) -> None:
        super().__init__(replica, write=False)
        self._primary = primary
        self._lost = lost

    def __enter__(self) -> UnitOfWork:
        try:
            return super().__enter__()
        except StorageError as exc:  # the unit of work's own name for a driver's error
            log_event("replica_unavailable", error=type(exc).__name__)
            self._lost()
            self._engine = self._primary
            return super().__enter__()
