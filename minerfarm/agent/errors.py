"""The shared core's own errors; each sentry subclasses them into its own tree (``SentryError``,
``AsicError``) so its CLI catches one base. Errors talking to the commander are
:mod:`minerfarm.agent.client`'s::

    AgentError
    ├── ConfigFileError   the config file cannot be read, written or understood
    └── NotEnrolled       no commander credentials yet (never enrolled, or wiped after a 410)
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of the shared core's own errors."""


class ConfigFileError(AgentError):
    """The config file cannot be read, written or understood; the message names the file."""


class NotEnrolled(AgentError):
    """No commander URL, token or pinned certificate in the config dir."""
