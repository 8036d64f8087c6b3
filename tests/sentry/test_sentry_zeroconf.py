"""The commander's mDNS announcement and the sentry's reading of browse results.

Multicast cannot be exercised here (tests reach loopback only): these check the ServiceInfo the
commander registers and that a browse result becomes the right URL, round trip.
"""

from __future__ import annotations

from minerfarm.commander.settings import Settings
from minerfarm.commander.zeroconf_advert import advertised_addresses, service_info
from minerfarm.protocol.discovery import SERVICE_TYPE, commander_from, pick

FINGERPRINT = bytes(range(32))


def test_the_announcement_carries_port_addresses_and_certificate_fingerprint() -> None:
    info = service_info(8443, FINGERPRINT, ["192.168.1.10", "fd00::10"], hostname="farm.lan")
    assert info.type == SERVICE_TYPE
    assert info.name == f"minerfarm commander on farm.{SERVICE_TYPE}"
    assert info.server == "farm.local."
    assert info.port == 8443
    assert info.properties[b"fp"] == FINGERPRINT.hex().encode()
    assert info.properties[b"v"] == b"1"


def test_a_browse_result_becomes_https_urls_ipv4_first() -> None:
    info = service_info(8443, FINGERPRINT, ["fd00::10", "192.168.1.10"], hostname="farm")
    found = commander_from(info)
    assert found is not None
    assert found.urls == ["https://192.168.1.10:8443", "https://[fd00::10]:8443"]
    assert found.fingerprint_hex == FINGERPRINT.hex()


def test_the_sentry_picks_the_commander_its_token_pins() -> None:
    ours = commander_from(service_info(8443, FINGERPRINT, ["10.0.0.2"], hostname="a"))
    other = commander_from(service_info(8443, b"\1" * 32, ["10.0.0.3"], hostname="b"))
    assert ours and other
    assert pick([other, ours], FINGERPRINT.hex()) == ours
    assert pick([other], FINGERPRINT.hex()) is None


def test_advertising_is_a_setting_on_by_default_and_off_by_env() -> None:
    assert Settings.from_env({}).advertise is True
    assert Settings.from_env({"MINERFARM_ADVERTISE": "0"}).advertise is False
    assert advertised_addresses("10.1.2.3") == ["10.1.2.3"]
    assert "127.0.0.1" not in advertised_addresses("0.0.0.0")
