"""One error shape for every API: ``{"error": {"code", "message"}}``; HTML pages for browsers.

Domain code raises :class:`ApiError` (or a werkzeug HTTPException); these handlers turn it into
the shape the protocol fixes. Validation errors name the bad field.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from quart import Quart, render_template, request
from quart_schema import RequestSchemaValidationError
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
    return request.path.startswith("/api/") or request.path == "/openapi.json" or (
        request.accept_mimetypes.best == "application/json"
    )


def register(app: Quart) -> None:
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
