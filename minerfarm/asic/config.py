"""The ASIC sentry's config file: which ASICs to watch, credentials, polling settings.

One JSON file, ``asic-sentry.json``, in the config dir: ``--config-dir``, else
``$MINERFARM_ASIC_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/minerfarm/asic-sentry`` (or
``~/.config/...``). It holds passwords, so the file is written 0600 (dir 0700), atomically;
reading, writing and the ``commander`` link are the shared core's (:mod:`minerfarm.agent`),
as for the CPU/GPU sentry. Unknown keys are kept.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    field_validator,
)

from minerfarm.agent.configfile import ConfigDir, ConfigFile
from minerfarm.agent.link import AgentConfig
from minerfarm.agent.session import AgentFiles

from .drivers import BACKEND_NAMES, Login
from .errors import AsicConfigError

RIG_KIND = "asic"
CONFIG_DIR_ENV = "MINERFARM_ASIC_CONFIG_DIR"
CONFIG_FILE = "asic-sentry.json"

Port = Annotated[int, Field(ge=1, le=65535)]
# A coin ticker or algorithm name the admin sets; the commander normalises the spelling
# (minerfarm.protocol.algorithms), so "sha256d" and "SHA-256" total together.
MiningName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]*$")]


class MiningOverride(BaseModel):
    """``coin``/``algorithm`` set by the admin: they win over the model facts (an S19 mining
    BCH, a rented-out L7 pointed at DOGE). The algorithm alone, without a coin, clears the
    facts' default coin when it differs from the facts' algorithm."""

    coin: MiningName | None = Field(default=None, description="coin the ASICs mine (ticker)")
    algorithm: MiningName | None = Field(default=None, description="algorithm they mine")

    @field_validator("coin", "algorithm", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() or None if isinstance(value, str) else value


class Credentials(BaseModel):
    """Web API login, for firmwares whose web API needs one (RPC needs none). Without any,
    the vendor's default login is tried (README: "Supported ASIC families")."""

    model_config = ConfigDict(extra="forbid")
    username: str = "root"
    password: SecretStr | None = None

    @field_serializer("password", when_used="json")
    def _keep_secret(self, value: SecretStr | None) -> str | None:
        # masked in repr and logs, but the config file must keep the real secret; callers
        # showing config (``status --json``) leave credentials out
        return value.get_secret_value() if value is not None else None

    def login(self) -> Login:
        return Login(self.username, self.password.get_secret_value() if self.password else "")


class AsicEntry(MiningOverride):
    """One watched ASIC. ``type`` is a backend name; ``None`` = identify on first poll.
    ``coin``/``algorithm`` override the sentry's and the model facts for this ASIC.
    ``port``: its main API's port (RPC, or the web port of a web-only family), ``None`` = the
    family's default (4028; AxeOS, Goldshell, Elphapex 80); ``web_port``: the web port of a
    family that has both (Antminer CGI, Braiins OS REST; default 80)."""

    model_config = ConfigDict(extra="allow")
    ip: str
    port: Port | None = None
    web_port: Port | None = None
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


class AsicSentryConfig(AgentConfig):
    # Sentry-wide coin/algorithm (every ASIC of this sentry); an ASIC entry's own win.
    coin: MiningName | None = Field(default=None, description="coin of every ASIC here")
    algorithm: MiningName | None = Field(default=None, description="algorithm of every ASIC")
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


def _not_enrolled(directory: Path) -> AsicConfigError:
    return AsicConfigError(f"this ASIC sentry is not enrolled (no commander credentials in "
                           f"{directory}): run 'minerfarm asic-sentry enroll'")


# No system dir as root: the ASIC sentry always looked in the user's config dir.
FILES = AgentFiles(
    rig_kind=RIG_KIND,
    dirs=ConfigDir(CONFIG_DIR_ENV, "asic-sentry"),
    config=ConfigFile(CONFIG_FILE, AsicSentryConfig, AsicConfigError),
    not_enrolled=_not_enrolled,
)


def config_dir(explicit: str | Path | None = None) -> Path:
    return FILES.dirs.resolve(explicit)


def config_path(directory: str | Path | None = None) -> Path:
    return config_dir(directory) / CONFIG_FILE


def load_config(directory: str | Path | None = None) -> AsicSentryConfig:
    """The config in ``directory`` (see :func:`config_dir`); an empty one if none yet."""
    return FILES.load(config_dir(directory))


def save_config(config: AsicSentryConfig, directory: str | Path | None = None) -> Path:
    """Write atomically, file 0600 in a 0700 dir (it may hold passwords)."""
    return FILES.save(config, config_dir(directory))
