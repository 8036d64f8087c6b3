"""The ASIC sentry's errors, one tree; the CLI turns them into messages that say what to do.

::

    AsicError
    ├── AsicConfigError        the config file is unreadable or invalid
    ├── AsicUnreachable        nothing answers RPC at ip:port (refused, timed out)
    └── AsicNotIdentified      something answers, but no firmware backend recognises it

Transport errors (:mod:`minerfarm.cgminer`) are translated once, in :mod:`.drivers`.
``AsicConfigError`` is also the shared core's :class:`~minerfarm.agent.errors.ConfigFileError`
(the core reads and writes the config file, and says "not enrolled", with it).
"""

from __future__ import annotations

from minerfarm.agent.errors import ConfigFileError


class AsicError(Exception):
    """Base of the ASIC sentry's errors."""


class AsicConfigError(AsicError, ConfigFileError):
    """The ASIC sentry's config file cannot be read or is invalid."""


class AsicUnreachable(AsicError):
    """No usable cgminer RPC answer at the ASIC's address."""


class AsicNotIdentified(AsicError):
    """The device answers, but no firmware backend recognises it."""
