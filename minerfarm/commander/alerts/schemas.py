"""Bodies of the alerts admin API (protocol.md "Alerts"): channels, rules, silences."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from minerfarm.commander.alerts.rules import ACTIONS, KINDS
from minerfarm.commander.tags.rules import parse_selector
from minerfarm.protocol.bounds import RowIdValue

Name = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")]
Figure = Annotated[float, Field(ge=-1e18, le=1e18, allow_inf_nan=False)]
Seconds = Annotated[int, Field(ge=0, le=30 * 86400)]
# Selectors other than rig ids, each with its parser (a ValueError says what is wrong):
# {"tags": "site:berlin rack:a3"} takes the rigs carrying every one of those tags.
SELECTORS: dict[str, Any] = {"tags": parse_selector}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelIn(Strict):
    name: Name
    url: Annotated[str, Field(min_length=3, max_length=2048, pattern=r"^[^\x00-\x1f\s]+$")]


class RuleFields(Strict):
    name: Name | None = None
    kind: str | None = None
    threshold: Figure | None = None
    hysteresis: Annotated[float, Field(ge=0, le=1e18, allow_inf_nan=False)] | None = None
    sensor: Annotated[str, Field(max_length=16)] | None = None
    for_s: Seconds | None = None
    rig_ids: list[RowIdValue] | None = Field(default=None, max_length=10_000)
    selector: dict[str, Any] | None = None
    channel_ids: list[RowIdValue] | None = Field(default=None, max_length=100)
    action: Literal["restart_miner", "reapply_playbooks", "reboot"] | None = None
    enabled: bool | None = None


def check_rule(values: dict[str, Any]) -> dict[str, Any]:
    """A whole rule's values, checked together; ValueError says what is wrong."""
    kind = KINDS.get(values.get("kind") or "")
    if kind is None:
        raise ValueError(f"kind: one of {', '.join(KINDS)}")
    if kind.needs_threshold and values.get("threshold") is None:
        raise ValueError(f"threshold: {kind.name} needs one ({kind.help})")
    sensor = values.get("sensor")
    if sensor is not None and sensor not in kind.sensors:
        allowed = ", ".join(kind.sensors) or "none"
        raise ValueError(f"sensor: {kind.name} takes {allowed}")
    selector = values.get("selector") or {}
    unknown = sorted(set(selector) - set(SELECTORS))
    if unknown:
        raise ValueError(f"selector: {', '.join(unknown)} is not known (use tags or rig_ids)")
    for name, value in selector.items():
        try:
            SELECTORS[name](value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"selector.{name}: {exc}") from None
    if values.get("action") not in (None, *ACTIONS):
        raise ValueError(f"action: one of {', '.join(ACTIONS)}")
    return values


class RuleIn(RuleFields):
    name: Name
    kind: str
    for_s: Seconds = 0
    channel_ids: list[RowIdValue] = Field(default_factory=list, max_length=100)
    enabled: bool = True

    @model_validator(mode="after")
    def _whole(self) -> RuleIn:
        check_rule(self.model_dump())
        return self


class RulePatch(RuleFields):
    """Only the fields given change; the rule is checked whole after."""


class SilenceIn(Strict):
    rig_id: RowIdValue | None = None
    rule_id: RowIdValue | None = None
    for_s: Annotated[int, Field(ge=1, le=365 * 86400)]
    reason: Annotated[str, Field(max_length=256)] = ""

    @model_validator(mode="after")
    def _something(self) -> SilenceIn:
        if self.rig_id is None and self.rule_id is None:
            raise ValueError("give rig_id, rule_id or both: what to silence")
        return self
