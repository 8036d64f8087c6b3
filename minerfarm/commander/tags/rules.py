"""What a tag may be, and matching: pure functions, no database.

A tag is 1-64 characters of ``a-z 0-9 . _ - /`` with at most one ``:`` (``key:value``),
starting with a letter or digit, lower-cased; a rig carries at most :data:`MAX_TAGS`.
A *selector* is tags separated by spaces or commas; a rig matches when it carries every one
(an empty selector matches every rig).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TAGS = 16
MAX_LENGTH = 64
_TAG = re.compile(r"[a-z0-9][a-z0-9._/-]*(?::[a-z0-9._/-]+)?")
_SPLIT = re.compile(r"[\s,]+")
RULE = ("a tag is 1-64 characters: letters, digits, '.', '_', '-', '/', and at most one ':' "
        "between a key and a value (e.g. site:berlin)")


class TagError(ValueError):
    """A tag or tag list that is refused; the message says which and why."""


def check_tag(text: str) -> str:
    tag = text.strip().lower()
    if not tag or len(tag) > MAX_LENGTH or not _TAG.fullmatch(tag):
        shown = tag[:MAX_LENGTH] + ("…" if len(tag) > MAX_LENGTH else "")
        raise TagError(f"{shown!r} is not a valid tag: {RULE}")
    return tag


def check_tags(tags: Iterable[str]) -> list[str]:
    """Each tag checked, duplicates dropped, sorted; at most :data:`MAX_TAGS`."""
    found = sorted({check_tag(t) for t in tags})
    if len(found) > MAX_TAGS:
        raise TagError(f"{len(found)} tags: a rig may carry at most {MAX_TAGS}")
    return found


def split(text: str) -> list[str]:
    """A typed list (``"site:berlin, rack:a3 spare"``) as its words, unchecked."""
    return [t for t in _SPLIT.split(text[:4096]) if t]


def parse_selector(selector: str | Iterable[str]) -> list[str]:
    words = split(selector) if isinstance(selector, str) else list(selector)
    return sorted({check_tag(w) for w in words})


def matches(tags: Iterable[str], selector: list[str]) -> bool:
    """Whether a rig carrying ``tags`` matches a parsed selector (every tag of it)."""
    return set(selector).issubset(tags)
