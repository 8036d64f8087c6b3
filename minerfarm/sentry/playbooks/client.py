"""The commander client plus the playbook calls of the CPU/GPU sentry: the desired playbooks
(``GET /playbooks``, with the long-poll ``?wait=S``, additive to protocol v1), run reports and
miner logs, typed by :mod:`minerfarm.protocol.playbooks`; the same pinned connection and error
tree as :class:`~minerfarm.agent.client.CommanderClient`."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from minerfarm.agent.client import CommanderClient, CommanderUnreachable
from minerfarm.protocol.actions import ACTIONS_PARAM, ActionAck
from minerfarm.protocol.playbooks import DesiredPlaybooks, LogBatch, PlaybookRun


class PlaybookClient(CommanderClient):
    async def wait_for_playbooks(self, revision: str | None, wait_s: float,
                                 actions: Sequence[str] = ()) -> DesiredPlaybooks | None:
        """The rig's playbooks; with a known revision the commander holds the answer up to
        ``wait_s`` for it to change. None: still current (304). ``actions``: the remote
        action kinds this sentry runs (the answer then carries the pending ones)."""
        headers = {"If-None-Match": f'"{revision}"'} if revision is not None else {}
        params = {"wait": f"{wait_s:g}"} if revision is not None and wait_s > 0 else {}
        if actions:
            params[ACTIONS_PARAM] = ",".join(actions)
        answer = await self._request("GET", "/playbooks", headers=headers, params=params,
                                     timeout_s=wait_s + 15.0)
        if answer.status_code == 304:
            return None
        try:
            return DesiredPlaybooks.model_validate_json(answer.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CommanderUnreachable(
                f"commander's /playbooks answer is not a playbook list: {first['msg']} at "
                f"{'.'.join(map(str, first['loc']))}", answer.status_code) from exc

    async def post_playbook_run(self, run: PlaybookRun) -> None:
        await self._request("POST", "/playbook-runs",
                            json=run.model_dump(mode="json", exclude_none=True))

    async def post_logs(self, batch: LogBatch) -> None:
        await self._request("POST", "/logs", json=batch.model_dump(mode="json"))

    async def post_action_ack(self, action_id: int, ack: ActionAck) -> None:
        await self._request("POST", f"/actions/{int(action_id)}",
                            json=ack.model_dump(mode="json", exclude_none=True))
