"""The commander client plus the playbook long-poll (``GET /playbooks?wait=S``, additive to
protocol v1): the same pinned connection and error tree as
:class:`~minerfarm.agent.client.CommanderClient`."""

from __future__ import annotations

from typing import Any

import httpx

from minerfarm.agent.client import CommanderClient, CommanderUnreachable


class PlaybookClient(CommanderClient):
    async def wait_for_playbooks(self, revision: str | None,
                                 wait_s: float) -> dict[str, Any] | None:
        """Like ``get_playbooks``; with a known revision the commander holds the answer up to
        ``wait_s`` for it to change. None: still current (304)."""
        headers = {"If-None-Match": f'"{revision}"'} if revision is not None else {}
        params = {"wait": f"{wait_s:g}"} if revision is not None and wait_s > 0 else {}
        answer = await self._request("GET", "/playbooks", headers=headers, params=params,
                                     timeout=httpx.Timeout(wait_s + 15.0))
        if answer.status_code == 304:
            return None
        try:
            body = answer.json()
        except ValueError as exc:
            raise CommanderUnreachable("commander's /playbooks answer is not JSON",
                                       answer.status_code) from exc
        if not isinstance(body, dict) or not isinstance(body.get("playbooks"), list):
            raise CommanderUnreachable("commander's /playbooks answer has no playbooks list",
                                       answer.status_code)
        return body
