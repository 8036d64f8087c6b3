"""The sentry wire protocol v1, defined once and shared by the commander and the sentries.

See ``shared/design/protocol.md`` (the contract). Modules:

- :mod:`minerfarm.protocol.reports` - the typed report batch (``host``, ``gpus``, ``miners``,
  ``asics``).
- :mod:`minerfarm.protocol.units` - conversion of hashrates to H/s.
- :mod:`minerfarm.protocol.tokens` - the sentry token format (carries the certificate pin).
- :mod:`minerfarm.protocol.errors` - the JSON error shape.
- :mod:`minerfarm.protocol.playbooks` - the playbook documents (desired playbooks, run reports,
  miner log lines), their size limits, and the placeholders.
- :mod:`minerfarm.protocol.actions` - remote actions (restart a miner, re-apply playbooks,
  reboot) and their acknowledgements.
- :mod:`minerfarm.protocol.discovery` - finding the commander on the LAN (mDNS).

Only the wire is here: the sentries' client, enrollment, spool and uplink are
:mod:`minerfarm.agent`'s. The names in ``__all__`` are the library face (see
``docs/library.md``).
"""

API_PREFIX = "/api/v1"
SENTRY_PREFIX = "/api/v1/sentry"
PROTOCOL_VERSION = 1

from minerfarm.protocol.reports import (  # noqa: E402 (the constants above come first)
    Asic,
    Board,
    Cpu,
    DeviceHashrate,
    Gpu,
    Host,
    Memory,
    Miner,
    Report,
    ReportAck,
    ReportBatch,
    Shares,
)
from minerfarm.protocol.tokens import SentryToken, TokenFormatError  # noqa: E402
from minerfarm.protocol.units import UnitError, humanize_hs, to_hs  # noqa: E402

__all__ = [
    "API_PREFIX",
    "PROTOCOL_VERSION",
    "SENTRY_PREFIX",
    "Asic",
    "Board",
    "Cpu",
    "DeviceHashrate",
    "Gpu",
    "Host",
    "Memory",
    "Miner",
    "Report",
    "ReportAck",
    "ReportBatch",
    "SentryToken",
    "Shares",
    "TokenFormatError",
    "UnitError",
    "humanize_hs",
    "to_hs",
]
