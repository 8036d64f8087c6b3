"""The CPU/GPU sentry runtime's exception tree (the miner adapters have theirs in
:mod:`minerfarm.sentry.miners.errors`; commander errors are :mod:`minerfarm.agent.client`'s).
Each is also the shared core's error of that kind (:mod:`minerfarm.agent.errors`), which the
core raises as the sentry's own::

    SentryError
    ├── SentryConfigError   the config file cannot be read, written or understood
    └── NotEnrolled         no commander URL/token/pin yet: run ``minerfarm sentry enroll``
"""

from __future__ import annotations

from minerfarm.agent import errors as agent_errors


class SentryError(Exception):
    """Base of the sentry runtime's own errors."""


class SentryConfigError(SentryError, agent_errors.ConfigFileError):
    """The sentry's config cannot be read, written or understood."""


class NotEnrolled(SentryError, agent_errors.NotEnrolled):
    """The sentry has no commander credentials (never enrolled, or wiped after a 410)."""
