"""one history from here on: merge the feature branches

Revision ID: 0006_linear
Revises: 0002_pool, 0002_reporting, 0002_rollups, 0002_twilio, 0005_uncounted_visits
Create Date: 2026-12-02 06:30:00.000000

Features used to migrate on branches of their own from 0001, so a database stood at five heads.
This revision changes no table: it joins those heads, and every later migration follows it in one
line. A database created at the five heads upgrades to it with nothing rewritten.
"""

from __future__ import annotations

revision = "0006_linear"
down_revision = (
    "0002_pool",
    "0002_reporting",
    "0002_rollups",
    "0002_twilio",
    "0005_uncounted_visits",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
