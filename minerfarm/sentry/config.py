"""The CPU/GPU sentry's config dir: ``sentry.json`` (commander URL, token, miners, interval),
``commander.pem`` (the pinned certificate), ``spool.db`` (outbox and ``seq``), and the state
folders ``miners/`` and ``playbooks/``.

Where: ``--config-dir``, else ``$MINERFARM_SENTRY_CONFIG_DIR``, else ``/etc/minerfarm/sentry``
when running as root, else ``$XDG_CONFIG_HOME/minerfarm/sentry`` (``~/.config/...``). The token
is a secret: files are written 0600 in a 0700 folder, atomically. Unknown keys are kept.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from minerfarm.protocol.enrollment import write_private
from minerfarm.protocol.spool import DEFAULT_MAX_AGE_S, DEFAULT_MAX_BYTES
from minerfarm.sentry.errors import NotEnrolled, SentryConfigError

CONFIG_DIR_ENV = "MINERFARM_SENTRY_CONFIG_DIR"
CONFIG_FILE = "sentry.json"
PIN_FILE = "commander.pem"
SPOOL_FILE = "spool.db"
STATE_DIRS = ("miners", "playbooks")  # what the sentry installs; removed when the rig is


class MinerEntry(BaseModel):
    """A miner this sentry reads (``minerfarm sentry probe`` shows what it would report)."""

    model_config = ConfigDict(extra="allow")
    software: str
    api_url: str
    playbook_id: int | None = None


class CommanderLink(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str
    token: str
    rig_id: int | None = None
    rig_name: str | None = None


class SentryConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int = 1
    commander: CommanderLink | None = None
    miners: list[MinerEntry] = Field(default_factory=list)
    interval_s: Annotated[float, Field(gt=0)] = 10.0
    spool_max_age_s: Annotated[float, Field(gt=0)] = DEFAULT_MAX_AGE_S
    spool_max_bytes: Annotated[int, Field(gt=0)] = DEFAULT_MAX_BYTES


def config_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_DIR_ENV):
        return Path(os.environ[CONFIG_DIR_ENV])
    if os.geteuid() == 0:
        return Path("/etc/minerfarm/sentry")
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "minerfarm" / "sentry"


def load_config(directory: Path) -> SentryConfig:
    path = directory / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SentryConfig()
    except OSError as exc:
        raise SentryConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return SentryConfig.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SentryConfigError(f"{path} is invalid: {first['msg']} at "
                                f"{'.'.join(map(str, first['loc']))}") from exc


def save_config(config: SentryConfig, directory: Path) -> Path:
    path = directory / CONFIG_FILE
    try:
        write_private(path, json.dumps(config.model_dump(mode="json", exclude_none=True),
                                       indent=2) + "\n")
    except OSError as exc:
        raise SentryConfigError(f"cannot write {path}: {exc.strerror}") from exc
    return path


def require_link(config: SentryConfig, directory: Path) -> CommanderLink:
    pin = directory / PIN_FILE
    if config.commander is None or not pin.is_file():
        raise NotEnrolled(f"this sentry is not enrolled (no commander credentials in "
                          f"{directory})")
    return config.commander


def wipe_credentials(directory: Path) -> None:
    """Forget the token and the pinned certificate (the rig was removed)."""
    config = load_config(directory)
    config.commander = None
    save_config(config, directory)
    (directory / PIN_FILE).unlink(missing_ok=True)
