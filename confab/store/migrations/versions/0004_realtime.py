"""Placeholder revision: it shipped empty, so databases may already be past it. Schema goes in new revisions.

Revision ID: 0004_realtime
Revises: 0003_sns
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_realtime"
down_revision = "0003_sns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
