"""Enrollment against real commanders over real HTTPS: the pin, the token, the rig kind."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sentry_run_helpers import cli, enroll

from minerfarm.agent.client import CertificateMismatch, CommanderClient, TokenInvalid
from minerfarm.protocol.tokens import SentryToken
from tests.support import CommanderProcess


def test_enroll_pins_the_certificate_and_stores_private_credentials(
        commander: CommanderProcess, tmp_path: Path) -> None:
    rig_id, token = commander.create_rig("enroll-ok")
    config_dir = tmp_path / "sentry"
    done = enroll(commander, config_dir, token)
    assert done.returncode == 0, done.stderr
    assert "enroll-ok" in done.stdout
    config = json.loads((config_dir / "sentry.json").read_text())
    assert config["commander"] == {"url": commander.url, "token": token, "rig_id": rig_id,
                                   "rig_name": "enroll-ok", "fallback_urls": []}
    assert (config_dir / "commander.pem").read_text() == commander.cert.read_text()
    for name in ("sentry.json", "commander.pem"):
        assert stat.S_IMODE((config_dir / name).stat().st_mode) == 0o600
    status = cli("sentry", "status", "--json", "--config-dir", str(config_dir))
    assert json.loads(status.stdout)["enrolled"] is True


def test_a_wrong_token_is_refused_with_a_clear_message(
        commander: CommanderProcess, tmp_path: Path) -> None:
    _, token = commander.create_rig("enroll-wrong")
    forged = str(SentryToken.issue(SentryToken.parse(token).fingerprint))  # right pin, bad secret
    done = enroll(commander, tmp_path / "sentry", forged)
    assert done.returncode == 1
    assert "refused the token" in done.stderr and "regenerate" in done.stderr
    assert not (tmp_path / "sentry" / "sentry.json").exists()
    assert not (tmp_path / "sentry" / "commander.pem").exists()


def test_a_commander_with_another_certificate_is_refused(
        commander: CommanderProcess, fresh_commander: CommanderProcess, tmp_path: Path) -> None:
    _, token = commander.create_rig("enroll-mitm")
    done = enroll(fresh_commander, tmp_path / "sentry", token)  # first's token, other server
    assert done.returncode == 1
    expected = SentryToken.parse(token).fingerprint_hex
    assert f"expects {expected}" in done.stderr
    assert "presents certificate SHA-256 " in done.stderr
    assert "not the commander that issued the token" in done.stderr
    assert not (tmp_path / "sentry" / "commander.pem").exists()


async def test_after_enrollment_only_the_pinned_certificate_is_trusted(
        commander: CommanderProcess, fresh_commander: CommanderProcess) -> None:
    _, token = commander.create_rig("pinned-later")
    url = commander.url.replace("127.0.0.1", "localhost")  # any name: the pin is the identity
    async with CommanderClient(url, token, commander.cert) as client:
        assert (await client.hello())["name"] == "pinned-later"
    async with CommanderClient(fresh_commander.url, token, commander.cert) as client:
        with pytest.raises(CertificateMismatch):
            await client.hello()
    async with CommanderClient(commander.url, str(SentryToken.issue(b"\0" * 32)),
                               commander.cert) as client:
        with pytest.raises(TokenInvalid):
            await client.hello()


def test_each_sentry_refuses_the_other_kind_of_rig(
        commander: CommanderProcess, tmp_path: Path) -> None:
    _, asic_token = commander.create_rig("kind-asic", "asic")
    done = enroll(commander, tmp_path / "cpu", asic_token)
    assert done.returncode == 1
    assert "asic rig" in done.stderr and "minerfarm asic-sentry enroll" in done.stderr
    _, gpu_token = commander.create_rig("kind-gpu", "cpu_gpu")
    done = enroll(commander, tmp_path / "asic", gpu_token, group="asic-sentry")
    assert done.returncode == 1
    assert "cpu_gpu rig" in done.stderr and "minerfarm sentry enroll" in done.stderr


def test_a_mangled_token_is_explained(commander: CommanderProcess, tmp_path: Path) -> None:
    done = enroll(commander, tmp_path / "sentry", "mf1.not-a-token")
    assert done.returncode == 1
    assert "Copy the whole token" in done.stderr
