"""The shared MetaData and column helpers."""

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# UserIDs are at most 32 bytes (seed 20967); the column is wider so a too-long ID fails in validation,
# never in the database.
USER_ID = sa.String(64)
