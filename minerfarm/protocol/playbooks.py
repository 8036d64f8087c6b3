"""Playbooks on the wire, defined once: the documents a sentry receives and sends about them,
and the placeholders it fills in when it runs one.

- ``GET /api/v1/sentry/playbooks`` answers :class:`DesiredPlaybooks` (or 304).
- ``POST /api/v1/sentry/playbook-runs`` takes one :class:`PlaybookRun` per playbook applied.
- ``POST /api/v1/sentry/logs`` takes a :class:`LogBatch` of miner console lines.
- Remote actions ride on the first: :mod:`minerfarm.protocol.actions`.

Each size limit is one constant here; a sender cuts to it, the commander refuses beyond it.
What the sentry receives is read leniently (unknown keys ignored: a newer commander may add
some); what it sends is exactly what the commander accepts.

A playbook stored on the commander is real Ansible YAML. Besides Ansible's own variables it
may use only these placeholders; the sentry passes them as extra vars, from the ``vars`` object
of each entry of ``GET /api/v1/sentry/playbooks`` (additive to protocol v1) and from the
playbook's catalog entry (``api_port``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minerfarm.protocol.actions import Action
from minerfarm.protocol.bounds import Clean, PlaybookId, to_utc

REVISION_MAX = 64  # characters of a revision
FAILED_TASK_MAX = 256  # characters of a run's failed task name
RUN_MESSAGE_MAX = 16384  # characters of a run's message (Ansible's own words)
LOG_LINE_MAX = 4096  # characters of one miner console line
LOG_BATCH_MAX = 5000  # lines in one POST /logs

PLACEHOLDERS: dict[str, str] = {
    "pool": "the pool address picked for the playbook (stratum+tcp://host:port or host:port)",
    "wallet": "the wallet address picked for the playbook",
    "worker": "the worker name: the rig's name, letters, digits, - and _ only",
    "coin": "the coin of the picked addresses (as written in the address templates)",
    "api_host": "where the miner's API must listen: 127.0.0.1 (the sentry reads it there)",
    "api_port": "the miner API's port from the catalog entry (the sentry reads it there)",
}

API_HOST = "127.0.0.1"

# Set by the sentry for the minerfarm roles (install_miner, launch_miner); a playbook may name
# them too, e.g. to pass ``miner_dir`` on.
ROLE_VARIABLES = frozenset({
    "miner_dir", "launch_script", "software_name", "software_version", "software_url",
    "software_sha256", "miner_argv", "miner_env",
})


def placeholder(name: str) -> str:
    """``pool`` -> ``{{ pool }}``, as written in a playbook."""
    return "{{ " + name + " }}"


class PlaybookSoftware(BaseModel):
    """The catalog entry a playbook installs and starts (the commander's mining software row)."""

    model_config = ConfigDict(extra="ignore")
    id: int | None = None
    name: str
    version: str
    download_url: str = ""
    sha256: str = ""
    executable_template: str | None = None
    api_kind: str | None = None  # the sentry adapter that reads the miner
    api_port: int | None = None


class DesiredPlaybook(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    name: str = ""
    yaml: str = ""
    vars: dict[str, Any] = Field(default_factory=dict)  # placeholder values: pool, wallet...
    software: PlaybookSoftware | None = None


class DesiredPlaybooks(BaseModel):
    """``GET /playbooks``: the rig's revision and every playbook it should run; ``actions``
    (additive) only for a sentry that named the kinds it executes
    (:mod:`minerfarm.protocol.actions`)."""

    model_config = ConfigDict(extra="ignore")
    revision: str
    playbooks: list[DesiredPlaybook]
    actions: list[Action] = Field(default_factory=list)


class PlaybookRun(BaseModel):
    """``POST /playbook-runs``: the outcome of one playbook of a revision."""

    revision: Annotated[str, Field(max_length=REVISION_MAX), Clean]
    status: Literal["success", "failed"]
    playbook_id: PlaybookId | None = None
    failed_task: Annotated[str, Field(max_length=FAILED_TASK_MAX), Clean] | None = None
    message: Annotated[str, Field(max_length=RUN_MESSAGE_MAX), Clean] | None = None


class LogLine(BaseModel):
    ts: datetime
    line: Annotated[str, Field(max_length=LOG_LINE_MAX), Clean]
    playbook_id: PlaybookId | None = None

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # A time without a zone is read as UTC (the UTC column would refuse it: a 500); one
        # that overflows once converted to UTC is refused, naming the field.
        return to_utc(value) if value.tzinfo is not None else value.replace(tzinfo=UTC)


class LogBatch(BaseModel):
    """``POST /logs``: miner console lines, oldest first."""

    lines: list[LogLine] = Field(min_length=1, max_length=LOG_BATCH_MAX)
