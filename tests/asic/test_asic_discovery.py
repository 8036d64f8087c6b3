"""Discovery: the two-stage scan over real loopback sockets, and zeroconf parsing."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest
from zeroconf import ServiceInfo

from minerfarm.asic import discovery
from minerfarm.asic.errors import AsicError
from minerfarm.asic.simulator import fleet


def first_host(cidr: str) -> str:
    """``127.R.N.1`` of the test's ``127.R.N.0/24``."""
    return cidr.replace(".0/24", ".1")


async def test_scan_finds_exactly_the_simulated_asics(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 9, faults={"garbage": 1})
    # leave gaps: simulated ASICs at .1-.9, nothing else listens in the /24
    await simulate(asics)
    started = time.monotonic()
    found = await discovery.scan([subnet], 4028, connect_timeout=0.3, identify_timeout=1)
    # probed in parallel (one by one, 245 silent hosts would take 245 x 0.3 s); how fast a
    # scan is, is bench/asic_scale.py's figure
    assert time.monotonic() - started < 20
    assert [f.ip for f in found] == [a.host for a in asics]
    identified = {f.ip: f for f in found if f.type}
    assert len(identified) == 8
    types = {a.host: a.profile.split("-")[0] for a in asics[:8]}
    assert {ip: f.type for ip, f in identified.items()} == types
    garbage = next(f for f in found if f.ip == asics[-1].host)
    assert garbage.type is None and garbage.error


async def test_sweep_honours_the_port(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 3, port=14028)
    await simulate(asics)
    # a loopback port that listens answers at once, a closed one refuses at once: the
    # timeout only has to outlast a loaded machine's scheduling of 254 connects
    assert await discovery.sweep([subnet], 14028, connect_timeout=2) == [
        a.host for a in asics]
    assert await discovery.sweep([subnet], 4028, connect_timeout=2) == []


def test_hosts_are_lazy_deduplicated_and_bounded() -> None:
    generator = discovery.hosts(["127.9.0.0/30", "127.9.0.1/32", "127.9.0.0/17"])
    assert next(generator) == "127.9.0.1"
    assert list(discovery.hosts(["127.9.0.0/30", "127.9.0.1/32"])) == ["127.9.0.1", "127.9.0.2"]
    with pytest.raises(AsicError, match="split"):
        discovery.hosts(["127.0.0.0/15"])  # refused before anything is swept


def test_default_cidrs_are_own_ipv4_subnets_without_loopback() -> None:
    for cidr in discovery.default_cidrs():
        network = ipaddress.ip_network(cidr)
        assert not network.is_loopback and network.version == 4
        assert network.prefixlen >= 20


def test_zeroconf_announcement_to_addresses() -> None:
    info = ServiceInfo("_http._tcp.local.", "antminer-07._http._tcp.local.",
                       addresses=[socket.inet_aton("127.8.0.7")], port=80,
                       server="antminer-07.local.")
    hit = discovery.announced_from(info, "_http._tcp.local.")
    assert hit.addresses == ["127.8.0.7"] and hit.port == 80
