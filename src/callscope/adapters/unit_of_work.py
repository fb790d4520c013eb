"""A unit of work: one transaction and the repositories that work inside it.

Leaving the block without `commit()` rolls back. Write units take SQLite's lock at BEGIN;
read units on PostgreSQL run each statement on its own (autocommit). A driver's exception
leaves a unit of work as the storage port's own (`StorageError`)."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from callscope.adapters.database import WRITE
from callscope.adapters.repositories.accounts import AccountRepository
from callscope.adapters.repositories.calls import CallRepository
from callscope.adapters.repositories.flows import BlocklistRepository, FlowRepository
from callscope.adapters.repositories.insights import InsightRepository
from callscope.adapters.repositories.jobs import JobRepository
from callscope.adapters.repositories.leads import JourneyRepository, LeadRepository
from callscope.adapters.repositories.leasing import LeaseRepository
from callscope.adapters.repositories.privacy import PrivacyRepository
from callscope.adapters.repositories.recordings import RecordingRepository
from callscope.adapters.repositories.reports import ReportRepository
from callscope.adapters.repositories.rollups import RollupRepository
from callscope.adapters.repositories.secrets import SecretRepository
from callscope.adapters.repositories.sites import NumberRepository, SiteRepository
from callscope.adapters.repositories.spend import SpendRepository
from callscope.adapters.repositories.transcripts import TranscriptRepository
from callscope.adapters.repositories.twilio import TwilioCredentialRepository
from callscope.adapters.repositories.users import UserRepository
from callscope.adapters.repositories.visits import VisitRepository
from callscope.adapters.repositories.webhooks import WebhookRepository
from callscope.adapters.writer_lock import WriterLock
from callscope.domain.errors import StorageError, StorageUnavailable


class UnitOfWork:
    accounts: AccountRepository
    users: UserRepository
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
    jobs: JobRepository
    recordings: RecordingRepository
    transcripts: TranscriptRepository
    insights: InsightRepository
    flows: FlowRepository
    blocklist: BlocklistRepository
    journeys: JourneyRepository
    leads: LeadRepository

    def __init__(
        self,
        engine: Engine,
        write: bool = True,
        writer_lock: WriterLock | None = None,
        one_statement: bool = False,
    ) -> None:
        self._engine = engine
        self._write = write
        self._autocommit = (not write or one_statement) and engine.dialect.name == "postgresql"
        self._writer_lock = writer_lock
        self._conn: Connection | None = None

    def __enter__(self) -> UnitOfWork:
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            conn = self._engine.connect().execution_options(**{WRITE: self._write})
            if self._autocommit:
                # Under READ COMMITTED each statement reads its own snapshot anyway: a read
                # unit needs no BEGIN and ROLLBACK, two round trips of its own; nor does a
                # write of one statement (atomic, and durable once it returns).
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.begin()
        except SQLAlchemyError as exc:
            self._release()
            raise storage_error(exc) from exc
        except BaseException:
            self._release()
            raise
        self._conn = conn
        self.accounts = AccountRepository(conn)
        self.users = UserRepository(conn)
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
        self.jobs = JobRepository(conn)
        self.recordings = RecordingRepository(conn)
        self.transcripts = TranscriptRepository(conn)
        self.insights = InsightRepository(conn)
        self.flows = FlowRepository(conn)
        self.blocklist = BlocklistRepository(conn)
        self.journeys = JourneyRepository(conn)
        self.leads = LeadRepository(conn)
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
        except SQLAlchemyError:
            pass  # the connection broke; closing it below hands it back to be replaced
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
    """The port's error for a driver's: an unreachable or locked database is worth a retry
    (`StorageUnavailable`); anything else is a fault of its own."""
    unavailable = isinstance(exc, OperationalError | InterfaceError)
    kind = StorageUnavailable if unavailable else StorageError
    return kind(f"storage: {type(exc).__name__}")
