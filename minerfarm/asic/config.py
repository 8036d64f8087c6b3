"""The ASIC sentry's config file: which ASICs to watch, credentials, polling settings.

One JSON file, ``asic-sentry.json``, in the config dir: ``--config-dir``, else
``$MINERFARM_ASIC_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/minerfarm/asic-sentry`` (or
``~/.config/...``). It holds passwords, so the file is written 0600 (dir 0700), atomically.
Unknown keys are kept, so ``enroll``/``run`` can add theirs (commander URL, token) without
this module knowing them.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
)

from .drivers import BACKEND_NAMES, DEFAULT_PORT
from .errors import AsicConfigError

CONFIG_DIR_ENV = "MINERFARM_ASIC_CONFIG_DIR"
CONFIG_FILE = "asic-sentry.json"

Port = Annotated[int, Field(ge=1, le=65535)]


class Credentials(BaseModel):
    """Web API login, for firmwares whose web API needs one (RPC needs none)."""

    model_config = ConfigDict(extra="forbid")
    username: str = "root"
    password: SecretStr | None = None

    @field_serializer("password", when_used="json")
    def _keep_secret(self, value: SecretStr | None) -> str | None:
        # masked in repr and logs, but the config file must keep the real secret; callers
        # showing config (``status --json``) leave credentials out
        return value.get_secret_value() if value is not None else None


class AsicEntry(BaseModel):
    """One watched ASIC. ``type`` is a backend name; ``None`` = identify on first poll."""

    model_config = ConfigDict(extra="allow")
    ip: str
    port: Port = DEFAULT_PORT
    type: str | None = None
    name: str | None = None
    credentials: Credentials | None = None

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return str(ipaddress.ip_address(value.strip()))

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in BACKEND_NAMES:
            raise ValueError(f"unknown ASIC type {value!r}; one of {', '.join(BACKEND_NAMES)}")
        return value


class SubnetCredentials(BaseModel):
    """Credentials for every ASIC of a subnet (per-ASIC credentials win)."""

    model_config = ConfigDict(extra="forbid")
    cidr: str
    credentials: Credentials

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return str(ipaddress.ip_network(value.strip(), strict=False))


class PollSettings(BaseModel):
    """How polling runs; each setting is declared once, here, with its default."""

    model_config = ConfigDict(extra="forbid")
    interval_s: float = Field(default=30.0, gt=0, description="seconds between polling rounds")
    timeout_s: float = Field(default=5.0, gt=0, description="per-ASIC budget for one reading")
    concurrency: int = Field(default=256, ge=1, le=4096, description="ASICs read at the same time")


class AsicSentryConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int = 1
    asics: list[AsicEntry] = Field(default_factory=list)
    subnet_credentials: list[SubnetCredentials] = Field(default_factory=list)
    scan_cidrs: list[str] = Field(default_factory=list,
                                  description="CIDRs to scan; empty = the sentry's own subnets")
    poll: PollSettings = Field(default_factory=PollSettings)

    def add(self, entry: AsicEntry) -> bool:
        """Add or replace the ASIC at ``entry.ip:entry.port``; True if it was new."""
        for index, existing in enumerate(self.asics):
            if (existing.ip, existing.port) == (entry.ip, entry.port):
                self.asics[index] = entry
                return False
        self.asics.append(entry)
        return True

    def credentials_for(self, ip: str) -> Credentials | None:
        """Per-ASIC credentials, else those of the most specific subnet holding ``ip``."""
        address = ipaddress.ip_address(ip)
        for entry in self.asics:
            if entry.ip == str(address) and entry.credentials is not None:
                return entry.credentials
        matches = [s for s in self.subnet_credentials
                   if address in ipaddress.ip_network(s.cidr)]
        matches.sort(key=lambda s: ipaddress.ip_network(s.cidr).prefixlen, reverse=True)
        return matches[0].credentials if matches else None


def config_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_DIR_ENV):
        return Path(os.environ[CONFIG_DIR_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "minerfarm" / "asic-sentry"


def config_path(directory: str | Path | None = None) -> Path:
    return config_dir(directory) / CONFIG_FILE


def load_config(directory: str | Path | None = None) -> AsicSentryConfig:
    """The config in ``directory`` (see :func:`config_dir`); an empty one if none yet."""
    path = config_path(directory)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AsicSentryConfig()
    except OSError as exc:
        raise AsicConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return AsicSentryConfig.model_validate_json(text)
    except ValidationError as exc:
        raise AsicConfigError(f"{path} is invalid: {exc.errors()[0]['msg']} at "
                              f"{'.'.join(map(str, exc.errors()[0]['loc']))}") from exc


def save_config(config: AsicSentryConfig, directory: str | Path | None = None) -> Path:
    """Write atomically, file 0600 in a 0700 dir (it may hold passwords)."""
    path = config_path(directory)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = config.model_dump(mode="json", exclude_none=True)
        fd, temp = tempfile.mkstemp(prefix=".asic-sentry.", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.write("\n")
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise AsicConfigError(f"cannot write {path}: {exc.strerror}") from exc
    return path
