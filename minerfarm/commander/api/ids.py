"""Ids in URL paths: ``<int:...>`` matches only ids a row can have.

The id columns are 32-bit integers on PostgreSQL (and SQLite refuses anything beyond 2**63):
a larger number in a path used to reach the database and answer 500. With this converter
it simply matches no route, and answers 404 like any other id that names nothing.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from minerfarm.protocol.bounds import ID_MAX


class RowId(IntegerConverter):
    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)
