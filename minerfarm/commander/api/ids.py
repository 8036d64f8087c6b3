"""Ids in URL paths: ``<int:...>`` matches only ids a row can have.

The id columns are 32-bit integers on PostgreSQL (and SQLite refuses anything beyond 2**63):
a larger number in a path used to reach the database and answer 500. With this converter
it simply matches no route, and answers 404 like any other id that names nothing.
An id in a query string (``?after=``, where a page or a client resumes) is read with
:func:`query_id`: one outside that range is read as none, so it never reaches the database.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from minerfarm.protocol.bounds import ID_MAX


class RowId(IntegerConverter):
    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def query_id(args: MultiDict[str, str], name: str = "after") -> int | None:
    """The id ``?name=`` says, or None where there is none, it is no number, or no row's id
    could be it (outside 0..``ID_MAX``: the database would fail rather than match). None
    means what a missing one does: a mangled link resumes as a fresh page would, not never."""
    value = args.get(name, type=int)
    return value if value is not None and 0 <= value <= ID_MAX else None
