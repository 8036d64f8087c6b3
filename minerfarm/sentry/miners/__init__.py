"""Miner adapters: read a running miner's API into a :class:`~minerfarm.protocol.reports.Miner`.

Usage::

    miner = await read_miner("xmrig", "http://127.0.0.1:8080", timeout_s=5.0)

Layout: one module per miner (``xmrig``, ``lolminer``, ``trex``, ``gminer``, ``nbminer``,
``srbminer``, ``teamredminer``, ``rigel``, ``wildrig``, ``bzminer`` (unverified)), each an
:class:`~.base.Adapter` (requests + a pure ``parse``);
two shared dialects doing the I/O (``http_json`` over :mod:`minerfarm.http11`, ``cgminer_tcp`` over
:mod:`minerfarm.cgminer`); the explicit ``REGISTRY``; tolerant field readers in ``values``.
Errors: see :mod:`.errors` (``MinerApiError`` and its subclasses).
"""

from minerfarm.sentry.miners.base import DEFAULT_TIMEOUT, Adapter
from minerfarm.sentry.miners.endpoint import Endpoint, parse_api_url
from minerfarm.sentry.miners.errors import (
    MinerApiError,
    MinerConfigError,
    MinerReplyInvalid,
    MinerTimeout,
    MinerUnreachable,
)
from minerfarm.sentry.miners.registry import REGISTRY, adapter_for, read_miner

__all__ = [
    "DEFAULT_TIMEOUT",
    "REGISTRY",
    "Adapter",
    "Endpoint",
    "MinerApiError",
    "MinerConfigError",
    "MinerReplyInvalid",
    "MinerTimeout",
    "MinerUnreachable",
    "adapter_for",
    "parse_api_url",
    "read_miner",
]
