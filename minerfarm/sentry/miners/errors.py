"""The one exception tree of the miner adapters.

Lower-level errors (:mod:`minerfarm.http11`, ``OSError``, JSON, :mod:`minerfarm.cgminer`) are
translated once, in the dialect modules; nothing else in :mod:`minerfarm.sentry.miners` raises
anything else::

    MinerApiError
    ├── MinerConfigError      unknown software name, or an API URL that does not fit it
    ├── MinerUnreachable      nothing answered: refused, unroutable, connect timed out
    │   └── MinerTimeout      connected (or still connecting), but no complete reply in time
    └── MinerReplyInvalid     an answer that is not the miner's API: garbage, not JSON, wrong
                              shape, HTTP error status, cgminer STATUS "E", too large

``MinerTimeout`` is a kind of ``MinerUnreachable`` because, to whoever polls, a miner that hangs
is as offline as one that refuses the connection.
"""

from __future__ import annotations


class MinerApiError(Exception):
    """Base of every error reading a miner's API."""


class MinerConfigError(MinerApiError):
    """The request cannot be made: unknown software, or an API URL that does not fit it."""


class MinerUnreachable(MinerApiError):
    """Nothing answered at the API address."""


class MinerTimeout(MinerUnreachable):
    """The miner accepted (or is still accepting) the connection but did not answer in time."""


class MinerReplyInvalid(MinerApiError):
    """Something answered, but not with a reply this adapter can read."""
