"""INSERT ... ON CONFLICT DO UPDATE for both backends (SQLite and PostgreSQL spell it alike).

Statements are built once per (dialect, table, columns) and executed with plain parameter dicts,
single or executemany, so an upsert costs one round trip whatever the row count.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


@cache
def upsert(dialect: str, table: sa.Table, keys: tuple[str, ...], update: tuple[str, ...]) -> Any:
    """INSERT into `table`; on a clash of `keys`, overwrite the `update` columns with the new values."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    stmt = insert(table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: getattr(stmt.excluded, name) for name in update}
    )
