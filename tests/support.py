"""Test helpers: a real commander process over real HTTPS, and a browser-like client."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
PASSWORD = "correct horse battery staple"
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class CommanderProcess:
    """``minerfarm commander`` as a child process on a free port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    argv: list[str] | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def cert(self) -> Path:
        return self.data_dir / "tls" / "cert.pem"

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"commander-{self.port}.log"

    def start(self, timeout: float = 30.0) -> CommanderProcess:
        env = {**os.environ, "MINERFARM_PASSWORD": PASSWORD, **self.env}
        env.pop("MINERFARM_DATA_DIR", None)
        argv = self.argv or [sys.executable, "-m", "minerfarm"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*argv, "commander", "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"commander exited: {self.log.read_text()[-3000:]}")
            try:
                if self.cert.exists():
                    httpx.get(f"{self.url}/login", verify=self.ssl_context(), timeout=2)
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"commander did not start: {self.log.read_text()[-3000:]}")

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the commander's own certificate, hostname included (real TLS)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 10)
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), **kwargs)

    def admin(self, **kwargs: Any) -> httpx.Client:
        return self.client(auth=("admin", PASSWORD), **kwargs)

    def anonymous(self, **kwargs: Any) -> httpx.Client:
        return self.client(**kwargs)

    def sentry(self, token: str, **kwargs: Any) -> httpx.Client:
        return self.client(headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def create_rig(self, name: str, kind: str = "cpu_gpu") -> tuple[int, str]:
        with self.admin() as client:
            answer = client.post("/api/v1/rigs", json={"name": name, "kind": kind})
            answer.raise_for_status()
            body = answer.json()
            return int(body["rig"]["id"]), str(body["token"])


_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def browser_login(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    """Log in like a browser: load the form (cookie + token), post it."""
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"password": password, "csrf_token": token})


def utc_ts(offset_s: float = 0.0) -> str:
    """Now (plus ``offset_s``) as the protocol's ISO-8601 UTC timestamp.

    Tests never send a fixed date: retention and charts would age it out as the calendar moves
    (``tests/test_no_fixed_dates.py`` checks that none creeps back).
    """
    moment = datetime.now(UTC) + timedelta(seconds=offset_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def report(seq: int, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "ts": utc_ts(), **fields}


def wait_for(check: Callable[[], T | None], timeout: float = 5.0,
             what: str = "the condition") -> T:
    """Poll ``check`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")
