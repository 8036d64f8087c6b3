"""Helpers of the playbook tests: a tarball of the fake miner, a local download server, the
processes of the miners a sentry runs."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

from tests.support import REPO

FIXTURES = Path(os.environ.get("MINERFARM_FIXTURES_DIR") or REPO.parent / "shared" / "fixtures")
XMRIG_SUMMARY = FIXTURES / "miner-apis" / "xmrig" / "summary_v2_6.22.1.json"
FAKE_MINER = Path(__file__).with_name("fake_xmrig.py")
# The catalog's command line of the fake XMRig (what the Templates page's form takes too).
FAKE_MINER_COMMAND = ("fakeminer/xmrig -o {{ pool }} -u {{ wallet }} -p {{ worker }}"
                      " --http-host {{ api_host }} --http-port {{ api_port }}")


def _add(archive: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    archive.addfile(info, io.BytesIO(data))


def fake_miner_tarball(directory: Path) -> tuple[Path, str]:
    """``fakeminer/xmrig`` (this Python) and its summary capture; the archive and its sha256."""
    script = f"#!{sys.executable}\n".encode() + FAKE_MINER.read_bytes()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        _add(archive, "fakeminer/xmrig", script, 0o755)
        _add(archive, "fakeminer/xmrig_summary.json", XMRIG_SUMMARY.read_bytes(), 0o644)
    path = directory / "fakeminer-1.0-linux-x64.tar.gz"
    path.write_bytes(buffer.getvalue())
    return path, hashlib.sha256(buffer.getvalue()).hexdigest()


def fake_miner_software(base_url: str, tarball: str, sha256: str, api_port: int,
                        version: str = "1.0") -> dict[str, Any]:
    """The ``POST /api/v1/software`` body of the fake XMRig served at ``base_url``."""
    return {"name": "fakexmrig", "version": version, "download_url": f"{base_url}/{tarball}",
            "sha256": sha256, "api_kind": "xmrig", "api_port": api_port,
            "executable_template": FAKE_MINER_COMMAND}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def download_server(directory: Path) -> Iterator[str]:
    """Serves ``directory`` at http://127.0.0.1:PORT (the miners' release downloads)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def miner_processes(marker: str) -> list[psutil.Process]:
    """Running processes whose command line contains ``marker`` (e.g. the pool address)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if any(marker in part for part in cmdline) and "fakeminer/xmrig" in " ".join(cmdline):
            found.append(process)
    return found
