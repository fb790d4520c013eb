"""Typed settings read from `CALLSCOPE_*` environment variables and a `.env` file."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the server and the CLI; each field's description is its help text."""

    model_config = SettingsConfigDict(env_prefix="CALLSCOPE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///callscope.db",
        description="SQLAlchemy URL. A SQLite file by default; "
        "postgresql+psycopg://user@host/db selects PostgreSQL.",
    )
    database_replica_url: str | None = Field(
        None,
        description="postgresql+psycopg://... of a streaming replica of the database: reports, "
        "exports, the dashboard's figures and route-table loads read from it while it keeps up; "
        "unset: everything reads from the primary.",
    )
    database_replica_max_lag_seconds: float = Field(
        5.0,
        gt=0,
        description="A replica further behind than this (or unreachable) is not read from; "
        "its reads go to the primary until it catches up.",
    )
    database_pool_size: int = Field(
        20,
        ge=1,
        le=1000,
        description="PostgreSQL connections one server process keeps open; a request finding "
        "them all busy waits for one. Processes x this must stay under PostgreSQL's "
        "max_connections.",
    )
    lease_seconds: int = Field(
        900,
        ge=30,
        description="How long a pool number stays bound to a visit after its last heartbeat.",
    )
    default_region: str = Field(
        "US",
        min_length=2,
        max_length=2,
        description="ISO country used to read phone numbers written without a leading +.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="The base URL telephony platforms and browsers reach callscope at; Twilio "
        "signatures are checked against it.",
    )
    telephony_secret: str | None = Field(
        None,
        description="Shared secret telephony platforms send in the X-Callscope-Secret "
        "header on route and call events. Unset: those endpoints are open (development only).",
    )
    twilio_auth_token: str | None = Field(
        None,
        description="Twilio auth token used to check X-Twilio-Signature when the account "
        "has none of its own.",
    )
    twilio_api_base: str = Field(
        "https://api.twilio.com",
        pattern=r"^https?://[^\s/]+/?$",
        description="Base URL of Twilio's REST API, for buying and releasing numbers (a test "
        "stand-in's address in the tests).",
    )
    env: str = Field(
        "dev",
        pattern="^(dev|production)$",
        description="dev or production. Production refuses to run without a telephony secret.",
    )
    demo_site_key: str | None = Field(
        None,
        description="Site key whose snippet the demo landing page at / shows "
        "(set by `callscope demo`).",
    )
    auto_migrate: bool = Field(
        True,
        description="Migrate an older database schema at start-up. False: refuse to start "
        "until `callscope db upgrade` has run (for deployments that migrate as a separate step).",
    )
    qualified_seconds: int = Field(
        60,
        ge=0,
        le=86400,
        description="A call counts as qualified (a Google Ads / GA4 conversion) when answered "
        "and at least this many seconds long.",
    )
    qualified_score: int = Field(
        50,
        ge=0,
        le=100,
        description="A transcribed call is qualified from this lead score on (calls without "
        "a transcript fall back to CALLSCOPE_QUALIFIED_SECONDS).",
    )
    call_events_inline: int = Field(
        2,
        ge=0,
        le=1000,
        description="Call events (telephony webhooks) one server process applies at once "
        "before it answers. Events arriving while that many are being applied are stored as "
        "they come and applied just after the answer, so a burst of calls never waits on the "
        "bookkeeping; reports, the call log and exports apply any such event before they "
        "read. 0: always after the answer.",
    )
    webhook_interval_seconds: float = Field(
        5.0, gt=0, description="How often the server delivers due webhooks."
    )
    visits_per_ip_per_minute: float = Field(
        60,
        ge=0,
        description="Visit requests a minute one client address may make (bursts of "
        "a third of it); 0 turns the limit off.",
    )
    visits_per_site_per_minute: float = Field(
        6000,
        ge=0,
        description="Visit requests a minute one site may receive; 0: no limit.",
    )
    forms_per_ip_per_minute: float = Field(
        10,
        ge=0,
        description="Form submissions a minute one client address may post to /v1/forms "
        "(bursts of a third of it); 0 turns the limit off.",
    )
    leases_per_ip: int = Field(
        3,
        ge=1,
        description="Pool numbers one client address may hold at once; further visits "
        "from it get an extension code or the site's number, so a flood cannot drain the pool.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies trusted to set X-Forwarded-For (comma-separated, or *); "
        "the client address used for rate limits comes from them.",
    )
    redis_url: str | None = Field(
        None,
        description="redis://host:port/db: the visit rate limits and the per-address lease cap "
        "are shared by every server process through it. Unset: each process keeps its own. "
        "Redis unreachable: each process falls back to its own, with a logged warning.",
    )
    redis_key_prefix: str = Field(
        "callscope:",
        description="Prefix of callscope's keys in Redis (several deployments may share one).",
    )
    log_level: str = Field("INFO", description="Python logging level of the server.")
    serve_runs_jobs: bool = Field(
        True,
        description="`serve` also runs background jobs (recording fetch, transcription) on a "
        "thread of each server process. False: run `callscope worker` separately.",
    )
    job_lease_seconds: float = Field(
        60,
        gt=0,
        description="How long a worker holds a job without renewing it; a job whose worker "
        "died is run again once this has passed.",
    )
    job_retry_seconds: float = Field(
        10, gt=0, description="Wait before a failed job's first retry; doubles each time."
    )
    recordings_dir: str | None = Field(
        None,
        description="Where fetched call recordings are kept. Unset: `recordings/` beside the "
        "SQLite file (the current directory with PostgreSQL).",
    )
    recording_hosts: str = Field(
        "",
        description="Extra hosts recordings may be fetched from (comma-separated; subdomains "
        "included), besides the platforms' own (twilio.com, voximplant.com, telnyx.com, "
        "signalwire.com).",
    )
    recording_max_bytes: int = Field(
        200_000_000, ge=1000, description="Largest recording fetched; a larger one is refused."
    )
    recording_timeout_seconds: float = Field(
        60, gt=0, description="Longest time one recording download may take."
    )
    job_attempts: int = Field(
        4, ge=1, le=50, description="Runs of a job before it is marked failed for good."
    )

    @model_validator(mode="after")
    def _replica_of_postgres_only(self) -> Settings:
        if self.database_replica_url and not (
            self.database_url.startswith("postgresql")
            and self.database_replica_url.startswith("postgresql")
        ):
            raise ValueError(
                "CALLSCOPE_DATABASE_REPLICA_URL needs PostgreSQL for the database and its replica"
            )
        return self

    @model_validator(mode="after")
    def _refuse_open_telephony_in_production(self) -> Settings:
        if self.env == "production" and not self.telephony_secret:
            raise ValueError("CALLSCOPE_TELEPHONY_SECRET must be set when CALLSCOPE_ENV=production")
        return self
