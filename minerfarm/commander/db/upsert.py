"""INSERT ... ON CONFLICT for the backends we run on (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect_name: str, table: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for ``table`` (a Table or an ORM class)."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for database {dialect_name!r}")
