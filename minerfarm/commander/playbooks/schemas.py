"""Bodies of the playbook APIs: address templates, mining software, playbooks, and what
sentries send back about them (playbook runs, miner console lines)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import jinja2
import jinja2.meta
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from minerfarm.protocol.bounds import RowIdValue
from minerfarm.protocol.playbooks import PLACEHOLDERS, placeholder

_POOL = re.compile(
    r"^(?:stratum\+(?:tcp|ssl|tls)://)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:\d{1,5}$"
)
_WALLET = re.compile(r"^[A-Za-z0-9._:@+/=-]{4,256}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# The sentry hands download_url and sha256 to Ansible, which evaluates Jinja in variables:
# "{{ lookup('pipe', ...) }}" in a URL would run on every rig. Refused here; the sentry also
# marks them unsafe (never templated).
_JINJA = ("{{", "{%", "{#")


def _no_jinja(value: str) -> str:
    found = [d for d in _JINJA if d in value]
    if found:
        raise ValueError(f"must not contain Jinja delimiters ({', '.join(found)}): this text "
                         "is passed to Ansible on the rigs as it is")
    return value



def plays_of(text: str) -> list[dict[str, Any]]:
    """The plays of a playbook's YAML; ValueError saying what is wrong (the API's 422s)."""
    try:
        plays = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"the playbook is not valid YAML: {exc}") from exc
    if not isinstance(plays, list) or not plays or not all(isinstance(p, dict) for p in plays):
        raise ValueError("an Ansible playbook is a YAML list of plays (each starting with "
                         "'- name:')")
    return plays

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(Strict):
    type: Literal["pool", "wallet"]
    coin: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
    label: Annotated[str, Field(min_length=1, max_length=128)]
    value: Annotated[str, Field(min_length=1, max_length=1024)]

    @model_validator(mode="after")
    def _check_value(self) -> AddressIn:
        if self.type == "pool":
            match = _POOL.match(self.value)
            if not match or not 0 < int(self.value.rsplit(":", 1)[1]) < 65536:
                raise ValueError("pool must be stratum+tcp://host:port, stratum+ssl://host:port "
                                 "or host:port")
        elif not _WALLET.match(self.value):
            raise ValueError("wallet must be 4-256 letters, digits or . _ : @ + / = -")
        return self


class SoftwareIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    version: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.+-]+$")]
    download_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://\S+$")]
    sha256: str
    executable_template: Annotated[str, Field(min_length=1, max_length=8192)]
    api_kind: Annotated[str, Field(min_length=1, max_length=32)]
    api_port: Annotated[int, Field(ge=1, le=65535)]

    @field_validator("executable_template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            names = jinja2.meta.find_undeclared_variables(
                jinja2.Environment(autoescape=False).parse(value))  # noqa: S701 - never rendered
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"template error: {exc.message}") from exc
        unknown = sorted(names - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(f"unknown placeholder {', '.join(map(placeholder, unknown))}: the "
                             f"placeholders are {', '.join(map(placeholder, PLACEHOLDERS))}")
        return value

    @field_validator("download_url", mode="before")
    @classmethod
    def _url(cls, value: object) -> object:
        return _no_jinja(value) if isinstance(value, str) else value

    @field_validator("sha256")
    @classmethod
    def _sha(cls, value: str) -> str:
        value = _no_jinja(value).strip().lower()
        # Empty: not known yet (as in the seeded catalog); the sentry refuses to install the
        # entry until an admin fills in the published checksum, so nothing runs unchecked.
        if value and not _SHA256.match(value):
            raise ValueError("sha256 must be 64 hex digits (or empty until it is known)")
        return value


class PlaybookIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=128)]
    software_id: RowIdValue | None = None
    yaml: Annotated[str, Field(min_length=1, max_length=65536)]
    address_ids: list[RowIdValue] = Field(default_factory=list, max_length=16)

    @field_validator("yaml")
    @classmethod
    def _yaml(cls, value: str) -> str:
        plays_of(value)
        return value


class PlaybookApplyIn(Strict):
    """One playbook for many rigs at once."""

    rig_ids: list[RowIdValue] = Field(min_length=1, max_length=1000)
    playbook: PlaybookIn
