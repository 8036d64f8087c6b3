"""The commander's request class: a JSON body that is not UTF-8 is a 400, not a 500.

Quart decodes the body before parsing it and lets the ``UnicodeDecodeError`` escape (only
the parse error goes to ``on_json_loading_failed``), so every JSON route answered such a body
with 500. The admin API and the pages are checked earlier, before the guard
(:func:`minerfarm.commander.errors.require_utf8_body`); this covers the sentry API's JSON
routes, with the same answer.
"""

from __future__ import annotations

from typing import Any

from quart import Request

from minerfarm.commander.errors import ApiError


class CommanderRequest(Request):
    async def get_json(self, force: bool = False, silent: bool = False,
                       cache: bool = True) -> Any:
        if force or self.is_json:
            raw = await self.get_data(cache=True, as_text=False)
            try:
                if isinstance(raw, bytes):
                    raw.decode()
            except UnicodeDecodeError as error:
                if silent:
                    return None
                raise ApiError(400, "invalid_encoding", f"the request body is not UTF-8 (byte "
                               f"{error.start}): send UTF-8 text") from None
        return await super().get_json(force=force, silent=silent, cache=cache)
