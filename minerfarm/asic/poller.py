"""One polling round over every watched ASIC: concurrent, bounded, each ASIC on its own
deadline, so a dead, slow or lying ASIC delays no other.

The round returns one :class:`~minerfarm.protocol.reports.Asic` per watched ASIC, in config
order, ready for the ``asics`` of one report: offline ones with ``online: false``, the reason
in ``errors``, and their identity (make, model, MAC) from the last good reading but no live
value (no stale figures shown as live).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from minerfarm.protocol.reports import Asic

from . import drivers
from .concurrency import bounded_map
from .config import AsicEntry, AsicSentryConfig, Credentials, MiningOverride, PollSettings
from .drivers import Backend, Endpoint, WebSession
from .errors import AsicError

CredentialsFor = Callable[[str], Credentials | None]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Watched:
    entry: AsicEntry
    endpoint: Endpoint
    backend: Backend | None
    last: Asic | None = None


class Poller:
    """Keeps per-ASIC state between rounds (identified backend, joined-command support,
    web logins, last identity); :meth:`poll` runs one round. Web APIs share one HTTP client,
    closed by :meth:`aclose`. ``credentials`` gives an ASIC's web login by IP (the config's
    per-ASIC, else per-subnet credentials)."""

    def __init__(self, asics: Sequence[AsicEntry], *, timeout: float = 5.0,
                 concurrency: int = 256, mining: MiningOverride | None = None,
                 credentials: CredentialsFor | None = None) -> None:
        self.timeout = timeout
        self.concurrency = concurrency
        self.mining = mining or MiningOverride()
        self._round = asyncio.Lock()
        self.session = WebSession(concurrency)
        own = {e.ip: e.credentials for e in asics if e.credentials is not None}
        find = credentials or own.get
        self._watched = []
        for entry in asics:
            login = find(entry.ip)
            endpoint = Endpoint(entry.ip, entry.port, entry.web_port, timeout,
                                login.login() if login else None, self.session)
            self._watched.append(_Watched(
                entry, endpoint, drivers.backend_named(entry.type) if entry.type else None))

    @classmethod
    def from_config(cls, config: AsicSentryConfig,
                    settings: PollSettings | None = None) -> Poller:
        settings = settings or config.poll
        return cls(config.asics, timeout=settings.timeout_s, concurrency=settings.concurrency,
                   mining=MiningOverride(coin=config.coin, algorithm=config.algorithm),
                   credentials=config.credentials_for)

    async def aclose(self) -> None:
        await self.session.aclose()

    def __len__(self) -> int:
        return len(self._watched)

    async def poll(self) -> list[Asic]:
        """One round; never raises for an ASIC's failure. Rounds never overlap."""
        async with self._round:
            return await bounded_map(self._read, self._watched, self.concurrency)

    async def _read(self, watched: _Watched) -> Asic:
        ip = watched.entry.ip
        try:
            async with asyncio.timeout(self.timeout):  # starts once a worker picks it up
                if watched.backend is None:
                    watched.backend = await drivers.identify(watched.endpoint)
                asic = await drivers.read(watched.endpoint, watched.backend)
        except TimeoutError:
            return drivers.offline(ip, f"no answer within {self.timeout:g}s", watched.last)
        except AsicError as exc:
            if watched.entry.type is None:
                watched.backend = None  # identify again: the device at this IP may change
            return drivers.offline(ip, str(exc), watched.last)
        except ValueError as exc:  # values the wire model refuses (a lying ASIC)
            return drivers.offline(ip, f"invalid reading: {str(exc).splitlines()[0]}",
                                   watched.last)
        except Exception as exc:  # a parser bug must not take the other ASICs' round down
            log.exception("reading %s failed", ip)
            return drivers.offline(ip, f"unexpected error: {type(exc).__name__}", watched.last)
        asic = overridden(asic, watched.entry, self.mining)
        watched.last = asic
        return asic


def overridden(asic: Asic, entry: AsicEntry, sentry: MiningOverride) -> Asic:
    """``asic`` with the admin's coin/algorithm: the entry's, else the sentry's, else what the
    reading (firmware or model facts) says."""
    coin = entry.coin or sentry.coin
    algorithm = entry.algorithm or sentry.algorithm
    if coin is None and algorithm is None:
        return asic
    if coin is None and algorithm is not None and algorithm != asic.algorithm:
        coin_now = None  # the facts' default coin was for the facts' algorithm
    else:
        coin_now = coin or asic.coin
    return asic.model_copy(update={"coin": coin_now, "algorithm": algorithm or asic.algorithm})


async def poll_once(config: AsicSentryConfig) -> list[Asic]:
    """Convenience for one-shot callers: a fresh :class:`Poller` over ``config``, one round."""
    poller = Poller.from_config(config)
    try:
        return await poller.poll()
    finally:
        await poller.aclose()
