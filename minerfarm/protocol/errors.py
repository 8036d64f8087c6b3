"""The one JSON error shape of every API: ``{"error": {"code": "...", "message": "..."}}``."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error.update(details)
    return {"error": error}
