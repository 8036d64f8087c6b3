"""Sentries against real commanders when clocks and installs are not what they should be: a
certificate whose dates the rig's clock is outside of, a reinstalled sentry whose ``seq`` went
down, and a commander that answers 429."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import shutil
import signal
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sentry_run_helpers import enroll, spawn, stored_reports, wait_for

from minerfarm.agent.client import CertificateMismatch, CommanderClient
from minerfarm.agent.spool import Spool
from minerfarm.agent.uplink import Uplink
from minerfarm.aio import Backoff
from tests.support import CommanderProcess, utc_ts

NO_CHECK_TIME = 0x200000  # OpenSSL's X509_V_FLAG_NO_CHECK_TIME


def future_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate valid only from tomorrow (the rig's clock is "behind" it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=400))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FutureCertCommander(CommanderProcess):
    """The test's own admin client checks the certificate but not its dates, like a sentry."""

    def ssl_context(self) -> ssl.SSLContext:
        context = super().ssl_context()
        context.verify_flags |= NO_CHECK_TIME
        return context


def commander_with(tmp_path: Path, name: str, **env: str) -> CommanderProcess:
    cert, key = future_certificate(tmp_path / "certs", name)
    return FutureCertCommander(tmp_path / name, env={"MINERFARM_CERT": str(cert),
                                                     "MINERFARM_KEY": str(key), **env})


def start_with_cert(commander: CommanderProcess) -> CommanderProcess:
    # CommanderProcess.start waits for tls/cert.pem in the data dir; with --cert there is none
    commander.data_dir.mkdir(parents=True, exist_ok=True)
    (commander.data_dir / "tls").mkdir(exist_ok=True)
    shutil.copy(commander.env["MINERFARM_CERT"], commander.cert)
    return commander.start()


@pytest.mark.slow
def test_a_certificate_not_yet_valid_for_the_rigs_clock_is_enrolled_with_and_reported_to(
        tmp_path: Path) -> None:
    commander = start_with_cert(commander_with(tmp_path, "future"))
    try:
        rig_id, token = commander.create_rig("clockless")
        config_dir = tmp_path / "sentry"
        done = enroll(commander, config_dir, token)
        assert done.returncode == 0, done.stderr
        sentry = spawn("sentry", "run", "--interval", "1", "--config-dir", str(config_dir),
                       log=tmp_path / "sentry.log")
        try:
            wait_for(lambda: stored_reports(commander, rig_id), 20, "a report over the pin")
        finally:
            sentry.send_signal(signal.SIGTERM)
            sentry.wait(20)
        other = start_with_cert(commander_with(tmp_path, "other"))
        try:
            # a different certificate is still refused: at enrollment, and once pinned
            done = enroll(other, tmp_path / "sentry-2", token)
            assert done.returncode == 1
            assert "not the commander that issued the token" in done.stderr

            async def hello_other() -> None:
                async with CommanderClient(other.url, token,
                                           config_dir / "commander.pem") as client:
                    await client.hello()

            with pytest.raises(CertificateMismatch):
                asyncio.run(hello_other())
        finally:
            other.stop()
    finally:
        commander.stop()


@pytest.mark.slow
def test_a_reinstalled_sentry_whose_seq_went_down_is_stored_and_stays_online(
        tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data", env={"MINERFARM_OFFLINE_AFTER_S": "4"})
    commander.start()
    try:
        rig_id, token = commander.create_rig("reinstalled")
        config_dir = tmp_path / "sentry"
        assert enroll(commander, config_dir, token).returncode == 0
        # The old install's clock was a day ahead: its seqs (which start at the clock in ms)
        # are above anything the reinstalled one would pick.
        old_seq = int(time.time() * 1000) + 86_400_000
        with commander.sentry(token) as sentry:
            assert sentry.post("/api/v1/sentry/reports", json={"reports": [
                {"seq": old_seq, "ts": utc_ts(86400)}]}).status_code == 202
        wait_for(lambda: stored_reports(commander, rig_id), 10, "the old install's report")
        (config_dir / "spool.db").unlink(missing_ok=True)  # the reinstall: a new spool
        sentry = spawn("sentry", "run", "--interval", "1", "--config-dir", str(config_dir),
                       log=tmp_path / "sentry.log")
        try:
            def newer() -> list[int]:
                return [r["seq"] for r in stored_reports(commander, rig_id)
                        if r["seq"] > old_seq]

            wait_for(lambda: len(newer()) >= 3, 30, "the reinstalled sentry's reports")
            time.sleep(5)  # longer than offline_after: still online, reports flowing
            with commander.admin() as admin:
                assert admin.get(f"/api/v1/rigs/{rig_id}").json()["online"]
            seqs = newer()
            assert seqs == list(range(old_seq + 1, old_seq + 1 + len(seqs)))
        finally:
            sentry.send_signal(signal.SIGTERM)
            assert sentry.wait(20) == 0, (tmp_path / "sentry.log").read_text()[-2000:]
    finally:
        commander.stop()


async def test_the_uplink_waits_out_429_retry_after_and_drops_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    commander = CommanderProcess(tmp_path / "data", env={
        "MINERFARM_SENTRY_REQUESTS_PER_S": "2", "MINERFARM_SENTRY_REQUEST_BURST": "2"})
    await asyncio.to_thread(commander.start)
    try:
        rig_id, token = await asyncio.to_thread(commander.create_rig, "replaying")
        with Spool(tmp_path / "spool.db") as spool:
            async with CommanderClient(commander.url, token, commander.cert) as client:
                # a backoff far longer than the test: only Retry-After gets it through in time
                uplink = Uplink(client, spool, backoff=Backoff(base_s=60, max_s=120),
                                batch_reports=1)
                for _ in range(8):
                    seq = await uplink.next_seq()
                    await uplink.submit(seq, {"seq": seq, "ts": utc_ts()})
                with caplog.at_level(logging.WARNING, "minerfarm.agent.uplink"):
                    sender = asyncio.create_task(uplink.run())
                    try:
                        async with asyncio.timeout(30):
                            while spool.stats().count:
                                await asyncio.sleep(0.2)
                    finally:
                        sender.cancel()
                        with pytest.raises(asyncio.CancelledError):
                            await sender
            assert spool.stats().dropped == 0
        assert any("429" in r.getMessage() for r in caplog.records)
        reports = await asyncio.to_thread(
            lambda: wait_for(lambda: (lambda r: r if len(r) == 8 else None)(
                stored_reports(commander, rig_id)), 10, "all 8 reports"))
        assert len(reports) == 8
    finally:
        await asyncio.to_thread(commander.stop)
