"""Bounds on every value a sentry sends, defined once: what is accepted can be stored and read
back on every database the commander runs on.

- Integers: within +-2**53, the range a double holds exactly (stored JSON is read back by
  parsers that turn larger numbers into floats, or refuse them: orjson did, and every reader of
  a rig's stats failed after ``shares.accepted`` = 10**400 was accepted). ``seq`` fits a
  BIGINT; playbook ids fit the 32-bit id columns.
- Floats: finite and at most :data:`FLOAT_MAX` in size, so sums over a farm stay finite.
- Strings: no NUL (PostgreSQL text cannot hold one) and no lone surrogate (not UTF-8); each
  field's length matches the column it is stored in.
- Unknown fields (kept, and stored as they came): JSON values at most :data:`EXTRA_DEPTH`
  deep, :data:`EXTRA_TEXT_MAX` characters per string, with the same number rules.
- Timestamps must be convertible to UTC (year 9999 with a negative offset is not).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

INT_MAX = 2**53
SEQ_MAX = 2**62  # a BIGINT, with room for a sentry's spool to count on
FLOAT_MAX = 1e21  # H/s: a zettahash per miner is far beyond any real machine
ID_MAX = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL
EXTRA_DEPTH = 8
EXTRA_TEXT_MAX = 4096
EXTRA_KEY_MAX = 128
EXTRA_ITEMS_MAX = 1024


def clean_text(value: str) -> str:
    """Refuse what no database column can store: NUL and lone surrogates."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (a lone surrogate is not)") from exc
    return value


Clean = AfterValidator(clean_text)
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
Index = Annotated[int, Field(ge=0, le=65535)]
PlaybookId = Annotated[int, Field(ge=0, le=ID_MAX)]
RowIdValue = Annotated[int, Field(ge=0, le=ID_MAX)]  # an id in a request body


def to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("timestamp is out of range once converted to UTC") from exc


def check_extras(extras: dict[str, Any] | None) -> None:
    """Raise ValueError naming the first unknown field whose value is not storable."""
    for key, value in (extras or {}).items():
        _check(value, key, 1)
        _check_key(key, key)


def _check_key(key: str, where: str) -> None:
    if len(key) > EXTRA_KEY_MAX:
        raise ValueError(f"unknown field {where[:40]!r}...: name longer than {EXTRA_KEY_MAX}")
    try:
        clean_text(key)
    except ValueError as exc:
        raise ValueError(f"unknown field {where[:40]!r}: name {exc}") from None


def _check(value: Any, where: str, depth: int) -> None:
    if depth > EXTRA_DEPTH:
        raise ValueError(f"unknown field {where}: nested deeper than {EXTRA_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            raise ValueError(f"unknown field {where}: integer beyond +-2**53")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > FLOAT_MAX:
            raise ValueError(f"unknown field {where}: number not finite or beyond {FLOAT_MAX}")
    elif isinstance(value, str):
        if len(value) > EXTRA_TEXT_MAX:
            raise ValueError(f"unknown field {where}: text longer than {EXTRA_TEXT_MAX}")
        try:
            clean_text(value)
        except ValueError as exc:
            raise ValueError(f"unknown field {where}: {exc}") from None
    elif isinstance(value, list | dict):
        if len(value) > EXTRA_ITEMS_MAX:
            raise ValueError(f"unknown field {where}: more than {EXTRA_ITEMS_MAX} items")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for name, item in items:
            if isinstance(name, str):
                _check_key(name, f"{where}.{name}")
            _check(item, f"{where}.{name}", depth + 1)
    else:
        raise ValueError(f"unknown field {where}: not a JSON value")
