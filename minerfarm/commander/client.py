"""A client for the commander's admin API (``/api/v1``), for scripts and embedders.

    async with AdminClient("https://farm:8443", "password", cafile="cert.pem") as farm:
        rig, token = await farm.create_rig("rig-01")
        async for stored in farm.reports(rig["id"]):
            ...

Every call raises :class:`AdminApiError` (status, code and message of the commander's error
shape) for an answer that is not a success; transport failures are httpx's own errors.
The certificate is verified: pass the commander's ``cafile`` (its ``tls/cert.pem``) or an
``ssl.SSLContext``.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from minerfarm.protocol import API_PREFIX


class AdminApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class AdminClient:
    def __init__(self, url: str, password: str, *, cafile: str | Path | None = None,
                 verify: ssl.SSLContext | bool = True, timeout: float = 10.0) -> None:
        if cafile is not None:
            verify = ssl.create_default_context(cafile=str(cafile))
        self._http = httpx.AsyncClient(base_url=url.rstrip("/") + API_PREFIX,
                                       auth=("admin", password), verify=verify,
                                       timeout=timeout)

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- rigs ----------------------------------------------------------------------------
    async def create_rig(self, name: str, kind: str = "cpu_gpu") -> tuple[dict[str, Any], str]:
        """A new rig (or ASIC sentry, ``kind="asic"``) and its token (shown only now)."""
        body = await self._call("POST", "/rigs", json={"name": name, "kind": kind})
        return body["rig"], body["token"]

    async def rigs(self, kind: str | None = None) -> list[dict[str, Any]]:
        params = {"kind": kind} if kind else None
        body = await self._call("GET", "/rigs", params=params)
        rigs: list[dict[str, Any]] = body["rigs"]
        return rigs

    async def rig(self, rig_id: int) -> dict[str, Any]:
        return await self._call("GET", f"/rigs/{rig_id}")

    async def rename_rig(self, rig_id: int, name: str) -> dict[str, Any]:
        return await self._call("PATCH", f"/rigs/{rig_id}", json={"name": name})

    async def delete_rig(self, rig_id: int) -> None:
        await self._call("DELETE", f"/rigs/{rig_id}")

    async def new_token(self, rig_id: int) -> str:
        token: str = (await self._call("POST", f"/rigs/{rig_id}/token"))["token"]
        return token

    # -- reports and totals --------------------------------------------------------------
    async def reports(self, rig_id: int, page_size: int = 100) -> AsyncIterator[dict[str, Any]]:
        """Every stored report of the rig, newest first (paged by cursor: none is skipped)."""
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": page_size}
            if cursor:
                params["cursor"] = cursor
            page = await self._call("GET", f"/rigs/{rig_id}/reports", params=params)
            for stored in page["reports"]:
                yield stored
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def stats(self) -> dict[str, Any]:
        """Farm totals: hashrate by coin and algorithm, power, rigs and ASICs online."""
        return await self._call("GET", "/stats")

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = await self._http.request(method, path, **kwargs)
        if answer.is_success:
            if not answer.content:
                return {}
            body: dict[str, Any] = answer.json()
            return body
        try:
            error = answer.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            code, message = "http_error", answer.text[:200]
        raise AdminApiError(answer.status_code, code, message)
