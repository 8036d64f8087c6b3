"""The sentry wire protocol v1, defined once and shared by the commander and the sentries.

See ``shared/design/protocol.md`` (the contract). Modules:

- :mod:`minerfarm.protocol.reports` - the typed report batch (``host``, ``gpus``, ``miners``,
  ``asics``).
- :mod:`minerfarm.protocol.units` - conversion of hashrates to H/s.
- :mod:`minerfarm.protocol.tokens` - the sentry token format (carries the certificate pin).
- :mod:`minerfarm.protocol.errors` - the JSON error shape.
"""

API_PREFIX = "/api/v1"
SENTRY_PREFIX = "/api/v1/sentry"
PROTOCOL_VERSION = 1
