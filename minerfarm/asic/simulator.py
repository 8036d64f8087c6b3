"""Simulated ASICs for tests and benchmarks: replays real captured RPC and web API replies.

Each simulated ASIC listens on its own loopback address (Linux routes all of 127.0.0.0/8 to
``lo``, so ``127.66.0.1``... ``127.66.7.208`` need no setup) and answers cgminer RPC per
command from the captures in ``shared/fixtures/miner-apis/{antminer,avalon,braiins,
whatsminer}``. Formats are never invented:

- a captured command is answered with the captured bytes (quirks included, e.g. the S9
  ``stats`` ``}{``), followed by a NUL as cgminer's ``api.c`` sends it;
- to tell many ASICs apart, only hashrate values are scaled (``vary``), in place, keeping the
  captured text around them;
- a command without a capture gets cgminer's documented error reply (API-README: code 14,
  ``Invalid command``) with the profile's own ``Description``;
- ``a+b`` joined commands are answered in cgminer's joined shape (``{"a": [...], "b": [...]}``)
  where the profile allows them; the Antminer S21 profile refuses them like the S19-era stock
  firmware does, so clients' fallback to separate commands is exercised.

Web APIs are served over real HTTP on their own port (80, ePIC on the RPC port) with the
auth the firmware demands (digest, basic, tokens, session cookies): :mod:`.websim`. Web
replies are served as captured (``vary`` scales RPC hashrates only).
Whatsminer API 3 (``get.device.info``) is served on its own port (4433) where a profile names
a capture (``api3``): a 4-byte little-endian length, then the JSON, both ways.

Faults: ``hang`` accepts and never answers; ``garbage`` answers bytes that are not JSON.

Run ``python -m minerfarm.asic.simulator --start 127.66.0.1 --count 2000`` to serve a fleet
from a separate process; it prints one JSON line when ready and serves until stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import re
import signal
import struct
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .concurrency import raise_fd_limit
from .websim import WebProfile, WebState, serve_http

__all__ = ["PROFILES", "Profile", "SimulatedAsic", "Simulator", "addresses", "fleet",
           "raise_fd_limit"]

DEFAULT_PORT = 4028
API3_PORT = 4433
_REQUEST_LIMIT = 8192
GARBAGE = b"\x15\x03\x01\x00\x02\x02\x50 garbage {\"STATUS\":[{\"STAT\xff\xfe"


@dataclass(frozen=True)
class Profile:
    """One captured firmware: which capture answers which command."""

    name: str
    family: str
    files: Mapping[str, str]  # command -> capture file, relative to miner-apis/
    joined: bool = True
    note: str = ""
    web: WebProfile | None = None
    api3: str | None = None  # Whatsminer API 3 get.device.info capture, served on api3_port


_LUXOS = "luxos/luxminer_2025.4.8_s19kpro_"
_AVALON_Q = "avalon/avalon_q_25052801_"
_M31S = {"summary": "whatsminer/m31s_20201202_summary.json",
         "edevs": "whatsminer/m31s_20201202_edevs.json",
         "pools": "whatsminer/m31s_20201202_pools.json"}


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile("antminer-s9", "antminer", {
            "version": "antminer/bmminer_TestVersion.raw.txt",
            "summary": "antminer/bmminer_TestSummary.raw.txt",
            "stats": "antminer/bmminer_TestStatsS9.raw.txt",
        }, note="Antminer S9, bmminer 2.0.0 (2017), raw bytes incl. the '}{' stats quirk"),
        Profile("antminer-s21", "antminer", {
            "version": "antminer/s21_stock_bmminer_version.json",
            "summary": "antminer/s21_stock_bmminer_summary.json",
            "stats": "antminer/s21_stock_bmminer_stats.json",
            "pools": "antminer/s21_stock_bmminer_pools.json",
            "devs": "antminer/s21_stock_bmminer_devs.json",
        }, joined=False, note="Antminer S21 stock firmware 2024 (stats trimmed by its source); "
           "web: get_system_info.cgi of an S21 on FR-1.12 (251009)",
           web=WebProfile({"/cgi-bin/get_system_info.cgi":
                           "antminer/stock_s21_fw251009_get_system_info.json"}, auth="digest")),
        Profile("braiins-s9", "braiins", {
            "version": "braiins/bosplus_0.2.0_s9_version.json",
            "summary": "braiins/bosplus_0.2.0_s9_summary.json",
            "pools": "braiins/bosplus_0.2.0_s9_pools.json",
            "fans": "braiins/bosplus_0.2.0_s9_fans.json",
            "temps": "braiins/bosplus_0.2.0_s9_temps.json",
        }, note="Braiins OS+ (BOSminer+ 0.2.0) on an Antminer S9"),
        Profile("whatsminer-m31s", "whatsminer", {
            "summary": "whatsminer/m31s_20201202_summary.json",
            "edevs": "whatsminer/m31s_20201202_edevs.json",
            "pools": "whatsminer/m31s_20201202_pools.json",
        }, note="Whatsminer M31S btminer 20201202 (no version/devdetails capture)"),
        Profile("avalon-1566", "avalon", {
            "version": "avalon/avalon1566_24102401_rpc_version.json",
            "stats": "avalon/avalon1566_24102401_rpc_stats.json",
            "pools": "avalon/avalon1566_24102401_rpc_pools.json",
            "devs": "avalon/avalon1566_24102401_rpc_devs.json",
        }, note="AvalonMiner 15-194 (A1566), cgminer 4.11.1 (no summary capture)"),
        Profile("bitaxe-gamma", "bitaxe", {}, note="Bitaxe Gamma 601, AxeOS v2.12.2",
                web=WebProfile({
                    "/api/system/info": "bitaxe/axeos_v2.12.2_gamma601_system_info.json",
                    "/api/system/asic": "bitaxe/axeos_gamma_system_asic.json"})),
        Profile("goldshell-ck5", "goldshell", {}, note="Goldshell CK5 fw 2.0.1 (2020-21)",
                web=WebProfile({
                    "/mcb/status": "goldshell/mcb_status.json",
                    "/mcb/cgminer?cgi=devs": "goldshell/ck5_mcb_cgminer_devs.json",
                    "/mcb/pools": "goldshell/ck5_mcb_pools.json",
                    "/mcb/setting": "goldshell/mcb_setting.json",
                }, auth="goldshell", login=("admin", "123456789"))),
        Profile("epic-umcos", "epic", {}, note="ePIC umcOS PowerPlay-BMS v1.5.13 (S19 XP)",
                web=WebProfile({
                    "/summary": "epic/epic_umcos_summary.json",
                    "/capabilities": "epic/epic_umcos_capabilities.json",
                    "/temps": "epic/epic_umcos_temps.json",
                    "/temps/chip": "epic/epic_umcos_chip_temps.json",
                    "/network": "epic/epic_umcos_network.json",
                }, port=None)),
        Profile("auradine-gcminer", "auradine", {
            "version": "auradine/gcminer_version.json",
            "summary": "auradine/gcminer_2023-05-24_summary.json",
            "pools": "auradine/gcminer_pools.json",
            "fan": "auradine/gcminer_fan.json",
            "psu": "auradine/gcminer_psu.json",
            "temperature": "auradine/gcminer_2.2.0_temperature.json",
            "mode": "auradine/gcminer_mode.json",
        }, joined=False, note="Auradine GCMiner RPC; captures of several versions (0.5-2.2.0)"),
        Profile("elphapex-dg1home", "elphapex", {}, note="Elphapex DG-Home1 V1.0.5 (idle)",
                web=WebProfile({
                    "/cgi-bin/get_system_info.cgi":
                        "other_asic/elphapex_dg1home_1.0.5_get_system_info.json",
                    "/cgi-bin/summary.cgi": "other_asic/elphapex_dg1home_summary.json",
                    "/cgi-bin/stats.cgi": "other_asic/elphapex_dg1home_stats.json",
                    "/cgi-bin/pools.cgi": "other_asic/elphapex_dg1home_pools.json",
                }, auth="digest")),
        Profile("sealminer-a2", "sealminer", {
            "summary": "other_asic/sealminer_a2_summary.json",
            "stats": "other_asic/sealminer_a2_stats.json",
            "pools": "other_asic/sealminer_a2_pools.json",
        }, joined=False, note="SealMiner A2 fw 2025091001, bdminer 4.11.1",
            web=WebProfile({
                "/cgi-bin/get_system_info.php":
                    "other_asic/sealminer_a2_2025091001_get_system_info.json",
                "/cgi-bin/miner_psu_status.php": "other_asic/sealminer_a2_psu_status.json",
            }, auth="cookie")),
        Profile("braiins-s21pro", "braiins", {}, note="Braiins OS+ 26.04 REST on an S21 Pro "
                "(no RPC capture of 26.04: RPC is not served)",
                web=WebProfile({
                    "/api/v1/miner/details": "braiins/bos_26.04_s21pro_rest_miner_details.json",
                    "/api/v1/miner/stats": "braiins/bos_26.04_s21pro_rest_miner_stats.json",
                    "/api/v1/miner/hw/hashboards":
                        "braiins/bos_26.04_rest_miner_hw_hashboards.json",
                    "/api/v1/cooling/state": "braiins/bos_26.04_rest_cooling_state.json",
                    "/api/v1/pools": "braiins/bos_26.04_rest_pools.json",
                    "/api/v1/miner/errors": "braiins/bos_26.04_rest_miner_errors.json",
                }, auth="braiins", login=("root", ""))),
        Profile("braiins-25.03", "braiins", {}, note="Braiins OS 25.03 legacy GraphQL boards "
                "(no other 25.03 capture: RPC is not served)",
                web=WebProfile({"/graphql": "braiins/bos_25.03_graphql_boards.json"},
                               auth="graphql", login=("root", ""))),
        Profile("luxos-s19kpro", "luxos", {
            **{command: f"{_LUXOS}{command}.json" for command in (
                "version", "summary", "devs", "pools", "stats", "temps", "fans", "power",
                "config", "profiles")},
            "events": "luxos/luxminer_events.json",
        }, note="LuxOS LUXminer 2025.4.8 on an Antminer S19k Pro (events: LUXminer 2025.9.8)"),
        Profile("avalon-q", "avalon", {
            **{command: f"{_AVALON_Q}{command}.json" for command in (
                "version", "summary", "devs", "pools", "litestats")},
            "stats": f"{_AVALON_Q}stats_estats.json", "estats": f"{_AVALON_Q}stats_estats.json",
            "config": "avalon/avalon_q_config.json",
        }, note="Avalon Q (home miner, MM319) 25052801, idle"),
        Profile("whatsminer-api2", "whatsminer", {
            **_M31S, "get_version": "whatsminer/api2_0_5_get_version.json",
            "get_psu": "whatsminer/api2_get_psu.json", "status": "whatsminer/api2_status.json",
        }, note="composite: M31S 20201202 RPC + API 2.x get_version/get_psu/status of other "
                "Whatsminers (no one machine's replies are captured whole)"),
        Profile("whatsminer-api3", "whatsminer", _M31S,
                api3="whatsminer/api3_0_2_get_device_info.json",
                note="composite: M31S 20201202 RPC + API 3.0.2 get.device.info of an M60S"),
        Profile("whatsminer-api3-errors", "whatsminer", _M31S,
                api3="whatsminer/api3_get_device_info_with_errors.json",
                note="composite: M31S 20201202 RPC + API 3 get.device.info with error codes"),
    )
}

FAULTS = ("hang", "garbage")


def captures_dir() -> Path:
    """``miner-apis`` captures: ``$MINERFARM_FIXTURES_DIR`` (the ``fixtures`` folder) or the
    first ``shared/fixtures`` found beside or above this checkout."""
    env = os.environ.get("MINERFARM_FIXTURES_DIR")
    if env:
        return Path(env) / "miner-apis"
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "fixtures" / "miner-apis"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("captures not found: set MINERFARM_FIXTURES_DIR to shared/fixtures")


@cache
def _capture(root: Path, relative: str) -> bytes:
    return (root / relative).read_bytes().rstrip(b"\x00 \t\r\n")


# Hashrate fields scaled by ``vary``; the captured number format (quoted or not) is kept.
_HASHRATE = re.compile(
    rb'("(?:GHS 5s|GHS 1m|GHS av|GHS 30m|MHS av|MHS 5s|MHS 30s|MHS 1m|MHS 5m|MHS 15m|MHS 24h|HS RT'
    rb'|total_rate|chain_rate\d+)"\s*:\s*"?)(\d+(?:\.\d+)?)'
)


def vary(raw: bytes, factor: float) -> bytes:
    """``raw`` with every hashrate value multiplied by ``factor`` (same decimals)."""
    if factor == 1.0:
        return raw

    def scale(match: re.Match[bytes]) -> bytes:
        text = match.group(2).decode()
        decimals = len(text.split(".")[1]) if "." in text else 0
        return match.group(1) + f"{float(text) * factor:.{decimals}f}".encode()

    return _HASHRATE.sub(scale, raw)


def _description(raw: bytes) -> bytes:
    match = re.search(rb'"Description"\s*:\s*"([^"]*)"', raw)
    return match.group(1) if match else b"cgminer"


@dataclass
class SimulatedAsic:
    """One ASIC: an address, a profile, a hashrate factor, and maybe a fault."""

    host: str
    profile: str
    port: int = DEFAULT_PORT
    factor: float = 1.0
    fault: str | None = None
    web_port: int | None = None  # default: the profile's (80; ePIC: ``port``)
    api3_port: int = API3_PORT
    replies: dict[str, bytes] = field(default_factory=dict, repr=False)
    requests: int = 0
    web: WebState | None = field(default=None, repr=False)
    api3_reply: bytes | None = field(default=None, repr=False)

    def load(self, root: Path) -> None:
        profile = PROFILES[self.profile]
        self.replies = {command: vary(_capture(root, path), self.factor)
                        for command, path in profile.files.items()}
        self.api3_reply = _capture(root, profile.api3) if profile.api3 else None
        if profile.web is not None:
            self.web = WebState(profile.web, {target: _capture(root, path)
                                              for target, path in profile.web.files.items()})

    @property
    def http_port(self) -> int | None:
        """Where its web API listens (None: it has none)."""
        web = PROFILES[self.profile].web
        if web is None:
            return None
        return self.port if web.port is None else (self.web_port or web.port)

    def answer(self, command: str) -> bytes:
        profile = PROFILES[self.profile]
        if "+" in command:
            if not profile.joined:
                return self._invalid()
            parts = [b'"' + name.encode() + b'":[' + self.replies.get(name, self._invalid())
                     + b"]" for name in command.split("+")]
            return b"{" + b",".join(parts) + b',"id":1}'
        return self.replies.get(command) or self._invalid()

    def _invalid(self) -> bytes:
        some_reply = next(iter(self.replies.values()), b"")
        return (b'{"STATUS":[{"STATUS":"E","When":%d,"Code":14,"Msg":"Invalid command",'
                b'"Description":"%s"}],"id":1}' % (int(time.time()), _description(some_reply)))


def _parse_request(data: bytes) -> str | None:
    try:
        request = json.loads(data)
    except ValueError:
        text = data.decode("latin-1").strip("\x00 \r\n")
        return text.split("|", 1)[0] or None  # cgminer's plain-text form "command|param"
    command = request.get("command") if isinstance(request, dict) else None
    return command if isinstance(command, str) else None


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    data = b""
    while len(data) < _REQUEST_LIMIT:
        chunk = await reader.read(_REQUEST_LIMIT)
        if not chunk:
            break
        data += chunk
        try:
            json.loads(data)
            break
        except ValueError:
            continue
    return data


class Simulator:
    """Serves ``asics`` over TCP until stopped; an async context manager."""

    def __init__(self, asics: Sequence[SimulatedAsic], root: Path | None = None) -> None:
        self.asics = list(asics)
        self.root = root or captures_dir()
        self._servers: list[asyncio.Server] = []

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        for asic in self.asics:
            asic.load(self.root)
            if PROFILES[asic.profile].files:
                self._servers.append(await asyncio.start_server(
                    self._handler(asic), asic.host, asic.port, backlog=64))
            if asic.http_port is not None:
                self._servers.append(await asyncio.start_server(
                    self._web_handler(asic), asic.host, asic.http_port, backlog=64))
            if asic.api3_reply is not None:
                self._servers.append(await asyncio.start_server(
                    _api3_handler(asic), asic.host, asic.api3_port, backlog=64))

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1)
        self._servers.clear()

    def _handler(self, asic: SimulatedAsic
                 ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                request = await asyncio.wait_for(_read_request(reader), 10)
                asic.requests += 1
                if asic.fault == "hang":
                    await reader.read()  # until the client gives up and closes
                    return
                if asic.fault == "garbage":
                    writer.write(GARBAGE)
                else:
                    command = _parse_request(request)
                    reply = asic.answer(command) if command else asic._invalid()
                    writer.write(reply + b"\x00")
                await writer.drain()
            except (OSError, TimeoutError):
                pass
            finally:
                writer.close()
        return handle


    def _web_handler(self, asic: SimulatedAsic
                     ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                assert asic.web is not None
                if asic.fault == "hang":
                    await reader.read()
                    return
                if asic.fault == "garbage":
                    await reader.readuntil(b"\r\n\r\n")
                    writer.write(GARBAGE)
                    await writer.drain()
                    return
                await asyncio.wait_for(serve_http(asic.web, reader, writer), 10)
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
        return handle


def _api3_handler(asic: SimulatedAsic
                  ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """API 3 framing: length-prefixed JSON; ``get.device.info`` answered with the capture,
    anything else left unanswered (no capture shows API 3's error reply)."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                (length,) = struct.unpack("<I", await reader.readexactly(4))
                request = json.loads(await reader.readexactly(min(length, _REQUEST_LIMIT)))
            if isinstance(request, dict) and request.get("cmd") == "get.device.info" \
                    and asic.api3_reply is not None and asic.fault is None:
                writer.write(struct.pack("<I", len(asic.api3_reply)) + asic.api3_reply)
                await writer.drain()
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
    return handle


def addresses(start: str, count: int) -> list[str]:
    """``count`` loopback addresses from ``start``, skipping .0 and .255 last octets."""
    first = ipaddress.IPv4Address(start)
    if not first.is_loopback:
        raise ValueError(f"simulated ASICs live on 127.0.0.0/8 only, not {start}")
    result: list[str] = []
    current = first
    while len(result) < count:
        if current.packed[-1] not in (0, 255):
            if not current.is_loopback:
                raise ValueError("address range runs out of 127.0.0.0/8")
            result.append(str(current))
        current += 1
    return result


def fleet(start: str, count: int, *, port: int = DEFAULT_PORT, web_port: int | None = None,
          profiles: Iterable[str] = tuple(PROFILES), faults: Mapping[str, int] | None = None,
          varied: bool = True) -> list[SimulatedAsic]:
    """``count`` ASICs cycling through ``profiles``; the last ones get ``faults``
    (``{"hang": 1, "garbage": 1}``); with ``varied`` hashrates differ by up to ±10 %."""
    names = list(profiles)
    asics: list[SimulatedAsic] = []
    for index, host in enumerate(addresses(start, count)):
        factor = 1.0 if not varied or index < len(names) else 0.9 + (index * 7919 % 201) / 1000
        asics.append(SimulatedAsic(host, names[index % len(names)], port=port, factor=factor,
                                   web_port=web_port))
    position = count
    for fault, number in (faults or {}).items():
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        for _ in range(number):
            position -= 1
            asics[position].fault = fault
    return asics


async def _serve(args: argparse.Namespace) -> None:
    raise_fd_limit()
    asics = fleet(args.start, args.count, port=args.port, web_port=args.web_port,
                  profiles=args.profiles.split(","),
                  faults={"hang": args.hang, "garbage": args.garbage}, varied=not args.exact)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with Simulator(asics):
        print(json.dumps({"ready": True, "count": len(asics), "port": args.port,
                          "asics": [[a.host, a.profile, a.fault] for a in asics]
                          if args.list else None}), flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m minerfarm.asic.simulator",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default="127.66.0.1", help="first 127.x.y.z address")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--web-port", type=int, default=None,
                        help="web API port (default: each profile's, 80; ePIC: --port)")
    parser.add_argument("--profiles", default=",".join(PROFILES),
                        help=f"comma-separated, cycled: {', '.join(PROFILES)}")
    parser.add_argument("--hang", type=int, default=0, help="how many ASICs never answer")
    parser.add_argument("--garbage", type=int, default=0, help="how many answer garbage")
    parser.add_argument("--exact", action="store_true", help="no hashrate variation")
    parser.add_argument("--list", action="store_true", help="list the ASICs when ready")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
