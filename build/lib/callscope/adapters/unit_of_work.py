"""A unit of work: one transaction and the repositories that work inside it.

Leaving the block without `commit()` rolls back. Write units take SQLite's lock at BEGIN.
SQLAlchemy's errors leave the block as the domain's `StorageError` / `StorageUnavailable`, so
no caller above the adapters needs to know SQLAlchemy."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from callscope.adapters.database import WRITE
from callscope.adapters.repositories.accounts import AccountRepository
from callscope.adapters.repositories.calls import CallRepository
from callscope.adapters.repositories.leasing import LeaseRepository
from callscope.adapters.repositories.privacy import PrivacyRepository
from callscope.adapters.repositories.reports import ReportRepository
from callscope.adapters.repositories.rollups import RollupRepository
from callscope.adapters.repositories.secrets import SecretRepository
from callscope.adapters.repositories.sites import NumberRepository, SiteRepository
from callscope.adapters.repositories.spend import SpendRepository
from callscope.adapters.repositories.twilio import TwilioCredentialRepository
from callscope.adapters.repositories.visits import VisitRepository
from callscope.adapters.repositories.webhooks import WebhookRepository
from callscope.adapters.writer_lock import WriterLock
from callscope.domain.errors import StorageError, StorageUnavailable


class UnitOfWork:
    accounts: AccountRepository
    sites: SiteRepository
    numbers: NumberRepository
    leases: LeaseRepository
    visits: VisitRepository
    calls: CallRepository
    reports: ReportRepository
    twilio: TwilioCredentialRepository
    spend: SpendRepository
    webhooks: WebhookRepository
    privacy: PrivacyRepository
    secrets: SecretRepository
    rollups: RollupRepository

    def __init__(
        self, engine: Engine, write: bool = True, writer_lock: WriterLock | None = None
    ) -> None:
        self._engine = engine
        self._write = write
        self._writer_lock = writer_lock
        self._conn: Connection | None = None

    def __enter__(self) -> UnitOfWork:
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            conn = self._engine.connect().execution_options(**{WRITE: self._write})
            conn.begin()
        except SQLAlchemyError as exc:
            self._release()
            raise storage_error(exc) from exc
        except BaseException:
            self._release()
            raise
        self._conn = conn
        self.accounts = AccountRepository(conn)
        self.sites = SiteRepository(conn)
        self.numbers = NumberRepository(conn)
        self.leases = LeaseRepository(conn)
        self.visits = VisitRepository(conn)
        self.calls = CallRepository(conn)
        self.reports = ReportRepository(conn)
        self.twilio = TwilioCredentialRepository(conn)
        self.spend = SpendRepository(conn)
        self.webhooks = WebhookRepository(conn)
        self.privacy = PrivacyRepository(conn)
        self.secrets = SecretRepository(conn)
        self.rollups = RollupRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        except SQLAlchemyError as failure:
            raise storage_error(failure) from failure
        finally:
            self._conn.close()
            self._conn = None
            self._release()
        if isinstance(exc, SQLAlchemyError):
            raise storage_error(exc) from exc

    def _release(self) -> None:
        if self._writer_lock is not None:
            self._writer_lock.release()

    def commit(self) -> None:
        assert self._conn is not None
        try:
            self._conn.commit()
        except SQLAlchemyError as exc:
            raise storage_error(exc) from exc

    def rollback(self) -> None:
        assert self._conn is not None
        self._conn.rollback()


def storage_error(exc: SQLAlchemyError) -> StorageError:
    """The domain's name for a storage failure. An OperationalError (connection lost or refused,
    database locked) is worth retrying; anything else is a fault of ours."""
    name = type(getattr(exc, "orig", None) or exc).__name__
    return StorageUnavailable(name) if isinstance(exc, OperationalError) else StorageError(name)
