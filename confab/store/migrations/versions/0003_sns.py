"""Placeholder revision: it shipped empty, so databases may already be past it. Schema goes in new revisions.

Revision ID: 0003_sns
Revises: 0002_c2c
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_sns"
down_revision = "0002_c2c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
