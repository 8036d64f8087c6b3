"""One error shape for every API: ``{"error": {"code", "message"}}``; HTML pages for browsers.

Domain code raises :class:`ApiError` (or a werkzeug HTTPException); these handlers turn it into
the shape the protocol fixes. Validation errors name the bad field.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import unquote_to_bytes

from pydantic import ValidationError
from quart import Quart, has_request_context, render_template, request
from quart_schema import RequestSchemaValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from minerfarm.protocol.errors import error_body


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *,
                 headers: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = dict(headers or {})
        if "retry_after" in details:
            self.headers.setdefault("Retry-After", str(details["retry_after"]))


def retry_after_s(wait: float) -> int:
    """A wait as the whole seconds to tell a client (``Retry-After``) or a person: rounded up,
    at least 1. Rounded down, a client that retries on time is refused again, and a person
    reads "try again in 0 s"."""
    return max(1, math.ceil(wait))


def validation_message(error: ValidationError) -> tuple[str, list[dict[str, Any]]]:
    """'reports.0.seq: Input should be ...' for the first error, and all errors as fields."""
    fields = [
        {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "problem": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]
    first = fields[0] if fields else {"field": "(body)", "problem": "invalid"}
    return f"{first['field']}: {first['problem']}", fields[:20]


def invalid_request(error: ValidationError) -> ApiError:
    message, fields = validation_message(error)
    return ApiError(422, "invalid_request", message, fields=fields)


def _wants_json() -> bool:
    if not has_request_context():  # a websocket refused before its handshake: no page to show
        return True
    return request.path.startswith("/api/") or request.path == "/openapi.json" or (
        request.accept_mimetypes.best == "application/json"
    )


REPORTS_ENDPOINT = "sentry_api.post_reports"
TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


async def require_utf8_body() -> None:
    """A JSON or form body must be UTF-8 (percent-escapes included): otherwise the framework
    fails deep inside (a 500) or, for forms, silently turns the bytes into U+FFFD and stores
    that. Report batches are the exception: their validation reads the bytes itself (400
    ``invalid_json``, as the fast path in front of Quart answers)."""
    if request.endpoint == REPORTS_ENDPOINT or request.mimetype not in TEXT_BODIES:
        return
    body = await request.get_data(cache=True, as_text=False)
    assert isinstance(body, bytes)
    if request.mimetype == "application/x-www-form-urlencoded":
        body = unquote_to_bytes(body.replace(b"+", b" "))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_encoding",
                       f"the request body is not UTF-8 (byte {exc.start}): send UTF-8 text"
                       ) from None


def register(app: Quart) -> None:
    # Before the guard, which reads forms for their CSRF token: werkzeug would drop a form
    # with raw non-UTF-8 bytes whole (a misleading "CSRF" refusal) or turn them into U+FFFD.
    app.before_request(require_utf8_body)

    @app.errorhandler(ApiError)
    async def api_error(error: ApiError) -> Any:
        return error_body(error.code, error.message, **error.details), error.status, error.headers

    @app.errorhandler(RequestSchemaValidationError)
    async def schema_error(error: RequestSchemaValidationError) -> Any:
        inner = error.validation_error
        if isinstance(inner, ValidationError):
            api = invalid_request(inner)
            return error_body(api.code, api.message, **api.details), 422
        return error_body("invalid_request", str(inner) or "request body is invalid"), 422

    @app.errorhandler(StaleDataError)
    async def gone_meanwhile(error: StaleDataError) -> Any:
        # Changed a row that another request deleted between reading and writing it (a rename
        # racing a delete): what the caller asked for is not there any more.
        message = "it was deleted while this request ran"
        if _wants_json():
            return error_body("not_found", message), 404
        return await render_template("error.html", status=404, title="Not Found",
                                     message=message), 404

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if error.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body is larger than the limit of {limit} bytes"
        else:
            message = error.description or error.name
        if _wants_json():
            response = error_body(error.name.lower().replace(" ", "_"), message)
            return response, status, dict(error.get_headers()) if status == 401 else {}
        page = await render_template("error.html", status=status, title=error.name,
                                     message=message)
        return page, status
