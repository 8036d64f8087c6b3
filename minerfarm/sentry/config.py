"""The CPU/GPU sentry's config dir: ``sentry.json`` (commander link, miners, interval),
``commander.pem`` (the pinned certificate), ``spool.db`` (outbox and ``seq``), and what the
playbooks install (:mod:`minerfarm.sentry.playbooks.layout`).

Where: ``--config-dir``, else ``$MINERFARM_SENTRY_CONFIG_DIR``, else ``/etc/minerfarm/sentry``
when running as root, else ``$XDG_CONFIG_HOME/minerfarm/sentry`` (``~/.config/...``). Reading,
writing (0600, atomic) and the link are the shared core's (:mod:`minerfarm.agent`); this module
only names them. Unknown keys are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from minerfarm.agent.configfile import ConfigDir, ConfigFile
from minerfarm.agent.link import PIN_FILE, SPOOL_FILE, AgentConfig
from minerfarm.agent.session import AgentFiles
from minerfarm.agent.spool import DEFAULT_MAX_AGE_S, DEFAULT_MAX_BYTES
from minerfarm.sentry.errors import NotEnrolled, SentryConfigError

RIG_KIND = "cpu_gpu"
CONFIG_DIR_ENV = "MINERFARM_SENTRY_CONFIG_DIR"
CONFIG_FILE = "sentry.json"
__all__ = ["CONFIG_DIR_ENV", "CONFIG_FILE", "FILES", "PIN_FILE", "SPOOL_FILE", "MinerEntry",
           "SentryConfig", "config_dir", "load_config", "save_config"]


class MinerEntry(BaseModel):
    """A miner this sentry reads (``minerfarm sentry probe`` shows what it would report)."""

    model_config = ConfigDict(extra="allow")
    software: str
    api_url: str
    playbook_id: int | None = None


class SentryConfig(AgentConfig):
    miners: list[MinerEntry] = Field(default_factory=list)
    interval_s: Annotated[float, Field(gt=0)] = 10.0
    spool_max_age_s: Annotated[float, Field(gt=0)] = DEFAULT_MAX_AGE_S
    spool_max_bytes: Annotated[int, Field(gt=0)] = DEFAULT_MAX_BYTES
    # Remote actions: a reboot only where this says so; the command is an argv, never a shell.
    allow_reboot: bool = False
    reboot_command: list[str] = Field(default_factory=lambda: ["systemctl", "reboot"],
                                      min_length=1)


def _not_enrolled(directory: Path) -> NotEnrolled:
    return NotEnrolled(f"this sentry is not enrolled (no commander credentials in {directory})")


FILES = AgentFiles(
    rig_kind=RIG_KIND,
    dirs=ConfigDir(CONFIG_DIR_ENV, "sentry", root_dir=Path("/etc/minerfarm/sentry")),
    config=ConfigFile(CONFIG_FILE, SentryConfig, SentryConfigError),
    not_enrolled=_not_enrolled,
)


def config_dir(explicit: str | Path | None = None) -> Path:
    return FILES.dirs.resolve(explicit)


def load_config(directory: Path) -> SentryConfig:
    return FILES.load(directory)


def save_config(config: SentryConfig, directory: Path) -> Path:
    return FILES.save(config, directory)
