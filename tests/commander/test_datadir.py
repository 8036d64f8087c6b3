"""The data dir and the admin password, as an admin deploying the commander sees them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import REPO, CommanderProcess, browser_login


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_is_private(commander: CommanderProcess) -> None:
    data = commander.data_dir
    assert mode(data) == 0o700
    for secret in ("session-secret", "tls/key.pem", "minerfarm.db", "ingest-queue.db"):
        assert mode(data / secret) == 0o600, secret
    assert (data / "minerfarm.db").exists() and (data / "ingest-queue.db").exists()


def test_certificate_names_localhost_and_local_ips(commander: CommanderProcess) -> None:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(commander.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def test_generated_password_is_printed_once_and_works(tmp_path: Path) -> None:
    process = CommanderProcess(tmp_path / "data", env={"MINERFARM_PASSWORD": ""})
    process.start()
    try:
        deadline = time.monotonic() + 5
        while "Generated admin password" not in process.log.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        line = next(line for line in process.log.read_text().splitlines()
                    if "Generated admin password" in line)
        password = line.rsplit(": ", 1)[1].strip()
        assert mode(process.data_dir / "admin-password.hash") == 0o600
        assert password not in (process.data_dir / "admin-password.hash").read_text()
        with process.anonymous() as browser:
            assert browser_login(browser, password).status_code == 302
    finally:
        process.stop()
    process.start()  # a restart keeps the password and does not print it again
    try:
        assert process.log.read_text().count("Generated admin password") == 1
    finally:
        process.stop()


def test_set_password_replaces_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "MINERFARM_PASSWORD": ""}
    subprocess.run([sys.executable, "-m", "minerfarm", "commander", "--data-dir", str(data),
                    "set-password", "--password", "a-new-password"],
                   env=env, check=True, cwd=REPO, capture_output=True)
    process = CommanderProcess(data, env={"MINERFARM_PASSWORD": ""}).start()
    try:
        assert "Generated admin password" not in process.log.read_text()
        with process.anonymous() as browser:
            assert browser_login(browser, "a-new-password").status_code == 302
        with httpx.Client(base_url=process.url, verify=process.ssl_context()) as api:
            assert api.get("/api/v1/rigs", auth=("admin", "a-new-password")).status_code == 200
    finally:
        process.stop()
    short = subprocess.run([sys.executable, "-m", "minerfarm", "commander", "--data-dir",
                            str(data), "set-password", "--password", "short"],
                           env=env, cwd=REPO, capture_output=True, text=True)
    assert short.returncode != 0 and "at least 8" in short.stderr
