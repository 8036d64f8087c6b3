"""The link to the commander as a sentry stores it: the ``commander`` object of its config file
(URL, token, the rig it belongs to) beside the pinned certificate and the spool.

:class:`AgentConfig` is the base of every sentry's config model: it carries the link, typed,
and keeps keys it does not know (a newer sentry's, or the user's own).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

PIN_FILE = "commander.pem"  # the commander's certificate, pinned at enrollment
SPOOL_FILE = "spool.db"  # the outbox and the ``seq`` counter


class CommanderLink(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str
    token: str
    # Other commanders of the same farm (same certificate), tried in order when ``url`` is
    # down: ``enroll --commander https://a:8443,https://b:8443``.
    fallback_urls: list[str] = []
    rig_id: int | None = None
    rig_name: str | None = None


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int = 1
    # An incomplete ``commander`` object (hand-edited, or from another tool) is kept as it was
    # written and counts as "not enrolled": a sentry always read it so, never as a broken file.
    commander: Annotated[CommanderLink | dict[str, Any] | None,
                         Field(union_mode="left_to_right")] = None

    @property
    def link(self) -> CommanderLink | None:
        """The commander link, if the config holds a complete one."""
        return self.commander if isinstance(self.commander, CommanderLink) else None
