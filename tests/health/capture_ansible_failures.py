"""Produce ``ansible_failures.json``: what the sentry's runner reports (failed task, message)
when the install_miner role fails for real, one case per cause the health translator knows.

Run it again after an ansible-core upgrade (``python -m tests.health.capture_ansible_failures``);
the captures are what ``test_ansible_words.py`` translates. Nothing here is mocked: each case
runs the real role through ansible-runner against localhost.
"""

from __future__ import annotations

import functools
import hashlib
import json
import socket
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from minerfarm.sentry.playbooks.runner import run_playbook

OUT = Path(__file__).with_name("ansible_failures.json")
INSTALL = """\
- name: install
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: install_miner
"""
SHELL = """\
- name: shell
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: {name}
      ansible.builtin.shell: {command}
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Slow(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        threading.Event().wait(5)  # longer than the task's timeout

    def log_message(self, *_: Any) -> None:
        pass


class _Unavailable(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(503, "Service Unavailable")

    def log_message(self, *_: Any) -> None:
        pass


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


def _serve(handler: Any) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _install(work: Path, name: str, url: str, sha: str, miner_dir: Path | None = None,
             yaml: str = INSTALL) -> dict[str, Any]:
    extravars = {"software_name": "fakeminer", "software_version": "1.0", "software_url": url,
                 "software_sha256": sha, "miner_dir": str(miner_dir or work / name / "miner"),
                 "ansible_python_interpreter": sys.executable}
    outcome = run_playbook(work / name / "runner", yaml, extravars, work / "ansible-home",
                           timeout_s=120)
    return {"case": name, "status": outcome.status, "failed_task": outcome.failed_task,
            "message": outcome.message}


TIMEOUT = """\
- name: slow download
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Download fakeminer 1.0 and verify its sha256
      ansible.builtin.get_url:
        url: "{{ software_url }}"
        dest: "{{ miner_dir }}.download"
        timeout: 1
"""


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ansible-failures-"))
    files = work / "files"
    files.mkdir()
    (files / "miner.tar.gz").write_bytes(b"not really a tarball")
    good = hashlib.sha256(b"not really a tarball").hexdigest()
    server, base = _serve(functools.partial(_Quiet, directory=str(files)))
    slow, slow_base = _serve(_Slow)
    down, down_base = _serve(_Unavailable)
    cases = [
        _install(work, "dns", "https://no-such-host.invalid/miner.tar.gz", good),
        _install(work, "refused", f"http://127.0.0.1:{_closed_port()}/miner.tar.gz", good),
        _install(work, "not_found", f"{base}/missing.tar.gz", good),
        _install(work, "http_503", f"{down_base}/miner.tar.gz", good),
        _install(work, "checksum", f"{base}/miner.tar.gz", "0" * 64),
        _install(work, "no_checksum", f"{base}/miner.tar.gz", ""),
        _install(work, "unpack", f"{base}/miner.tar.gz", good),
        _install(work, "timeout", f"{slow_base}/miner.tar.gz", good, yaml=TIMEOUT),
        _install(work, "disk_full", "", "", yaml=SHELL.format(
            name="Write the launch script", command="dd if=/dev/zero of=/dev/full bs=1k count=1")),
        # (root is refused in /sys too; a sentry running as a user meets the same words)
        _install(work, "permission", f"{base}/miner.tar.gz", good,
                 miner_dir=Path("/sys/minerfarm-capture")),
        _install(work, "other", "", "", yaml=SHELL.format(
            name="Start the miner", command="echo 'unknown option --foo' >&2; exit 3")),
    ]
    server.shutdown()
    slow.shutdown()
    down.shutdown()
    OUT.write_text(json.dumps(cases, indent=2) + "\n")
    for case in cases:
        print(case["case"], case["status"], case["failed_task"], "|",
              (case["message"] or "")[:200].replace("\n", " / "))


if __name__ == "__main__":
    main()
