"""The CPU/GPU sentry runtime's exception tree (the miner adapters have theirs in
:mod:`minerfarm.sentry.miners.errors`; commander errors are :mod:`minerfarm.protocol.client`'s)::

    SentryError
    ├── SentryConfigError   the config file cannot be read, written or understood
    └── NotEnrolled         no commander URL/token/pin yet: run ``minerfarm sentry enroll``
"""

from __future__ import annotations


class SentryError(Exception):
    """Base of the sentry runtime's own errors."""


class SentryConfigError(SentryError):
    """The sentry's config cannot be read, written or understood."""


class NotEnrolled(SentryError):
    """The sentry has no commander credentials (never enrolled, or wiped after a 410)."""
