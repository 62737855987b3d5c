"""Placeholder revision: it shipped empty, so databases may already be past it. Schema goes in new revisions.

Revision ID: 0002_c2c
Revises: 0001_foundation
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002_c2c"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
