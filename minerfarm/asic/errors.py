"""The ASIC sentry's errors, one tree; the CLI turns them into messages that say what to do.

::

    AsicError
    ├── AsicConfigError        the config file is unreadable or invalid
    ├── AsicUnreachable        nothing answers RPC or HTTP at ip:port (refused, timed out)
    ├── AsicAuthFailed         the web API refused the login (the configured one, else the
    │                          vendor's default): set credentials in the config
    ├── AsicReplyInvalid       it answers, but not with a usable reply (HTTP 404/500, not
    │                          HTTP, not JSON, too large)
    └── AsicNotIdentified      something answers, but no firmware backend recognises it

Transport errors are translated once, at each transport's boundary: cgminer RPC
(:mod:`minerfarm.cgminer`) in :mod:`.drivers`, HTTP (httpx) in :mod:`.drivers.web`.
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
    """No answer (cgminer RPC or HTTP) at the ASIC's address."""


class AsicAuthFailed(AsicError):
    """The ASIC's web API refused the credentials it was given."""


class AsicReplyInvalid(AsicError):
    """The ASIC answered, but the reply cannot be used (HTTP error status, not JSON...)."""


class AsicNotIdentified(AsicError):
    """The device answers, but no firmware backend recognises it."""
