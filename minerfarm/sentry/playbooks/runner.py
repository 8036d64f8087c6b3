"""One playbook through ansible-runner, locally (``connection: local``, inventory localhost),
and what went wrong in Ansible's own words: the failed task and its message, from the
runner's events.

ansible-runner and PyYAML (and, through them, pexpect) are imported when a playbook runs, not
with this module: a sentry that never runs one does not carry them (about 1.5 MB of its RSS).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psutil

from minerfarm.ansible_support import ROLES_DIR, ansible_env, playbook_binary
from minerfarm.protocol.playbooks import FAILED_TASK_MAX, RUN_MESSAGE_MAX, PlaybookRun

RUN_TIMEOUT_S = 900  # a slow download of a big GPU miner over a farm's uplink
_FAILED = ("runner_on_failed", "runner_on_unreachable")


@dataclass(frozen=True)
class RunOutcome:
    status: Literal["success", "failed"]
    failed_task: str | None = None
    message: str | None = None

    def report(self, revision: str, playbook_id: int) -> PlaybookRun:
        """The ``POST /playbook-runs`` body, cut to the protocol's bounds."""
        return PlaybookRun(revision=revision, playbook_id=playbook_id, status=self.status,
                           failed_task=self.failed_task[:FAILED_TASK_MAX] if self.failed_task
                           else None,
                           message=self.message[:RUN_MESSAGE_MAX] if self.message else None)


def run_playbook(private_dir: Path, playbook_yaml: str, extravars: dict[str, Any],
                 ansible_home: Path, timeout_s: int = RUN_TIMEOUT_S,
                 cancel: threading.Event | None = None) -> RunOutcome:
    """Blocking (call it in a thread). Writes the playbook into ``private_dir/project``.
    Setting ``cancel`` stops ansible-playbook (the sentry is stopping)."""
    (private_dir / "project").mkdir(parents=True, exist_ok=True)
    (private_dir / "project" / "main.yml").write_text(playbook_yaml)
    (private_dir / "inventory").mkdir(exist_ok=True)
    (private_dir / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (ansible_home / "tmp").mkdir(parents=True, exist_ok=True)
    _write_extravars(private_dir, extravars)
    import ansible_runner  # here, not at the top: see the module's docstring

    result = ansible_runner.run(
        private_data_dir=str(private_dir), playbook="main.yml",
        envvars=ansible_env(ansible_home), binary=str(playbook_binary(ansible_home)),
        # with a binary of our own, runner runs it as given: the playbook goes on the command line
        cmdline="main.yml", roles_path=[str(ROLES_DIR)], quiet=True, timeout=timeout_s,
        rotate_artifacts=2,
        settings={"suppress_ansible_output": True},
        cancel_callback=cancel.is_set if cancel is not None else None,
    )
    if result.status in ("canceled", "timeout"):
        _kill_leftovers(private_dir)
    if result.status == "canceled":
        return RunOutcome("failed", message="cancelled: the sentry was stopping")
    if result.status == "successful":
        return RunOutcome("success")
    failed = _first_failure(result.events)
    if failed is not None:
        return failed
    if result.status == "timeout":
        return RunOutcome("failed", message=f"ansible-playbook ran over {timeout_s} s")
    return RunOutcome("failed", message=_stdout_tail(result) or
                      f"ansible-playbook ended with status {result.status} (rc {result.rc})")


class _Unsafe(str):
    pass


@functools.cache
def _unsafe_dumper() -> Any:
    """A YAML dumper writing :class:`_Unsafe` text as ``!unsafe`` (built at the first run)."""
    import yaml

    dumper: Any = type("_UnsafeDumper", (yaml.SafeDumper,), {})  # (untyped base class)
    dumper.add_representer(
        _Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))
    return dumper


def _unsafe(value: Any) -> Any:
    # Only text that could hold Jinja (a "{"): ansible-core 2.19 reads an !unsafe "0000" or
    # "1.0" as a number, and plain quoted YAML text is never templated unless it has "{".
    if isinstance(value, str):
        return _Unsafe(value) if "{" in value else value
    if isinstance(value, dict):
        return {key: _unsafe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsafe(item) for item in value]
    return value


def _write_extravars(private_dir: Path, extravars: dict[str, Any]) -> None:
    """Our variables as ``env/extravars`` (ansible-runner passes it as ``-e @file``), text
    tagged ``!unsafe``: Ansible evaluates Jinja inside variable values, and these come
    from the commander (a catalog URL, a wallet): ``{{ lookup('pipe', ...) }}`` in one would
    run here. Unsafe text is used as it is, never templated. Written each run (runner keeps an
    existing file)."""
    import yaml

    (private_dir / "env").mkdir(exist_ok=True)
    (private_dir / "env" / "extravars").write_text(
        yaml.dump(_unsafe(extravars), Dumper=_unsafe_dumper(), allow_unicode=True))


def _first_failure(events: Any) -> RunOutcome | None:
    for event in events:
        data = event.get("event_data") or {}
        if event.get("event") not in _FAILED or data.get("ignore_errors"):
            continue
        task = str(data.get("task") or "?")
        role = data.get("role")
        name = f"{role} : {task}" if role and not task.startswith(f"{role} :") else task
        return RunOutcome("failed", name, _message(data.get("res") or {}))
    return None


def _message(res: dict[str, Any]) -> str:
    """Ansible's words: the message, the server's answer and URL of a failed download
    (get_url's ``Request failed`` says nothing more), stderr."""
    parts = [str(res.get("msg") or "")]
    response = str(res.get("response") or "")
    if response and response not in parts[0]:
        parts.append(response)
    if res.get("url"):
        parts.append(f"url: {res['url']}")
    for key in ("stderr", "module_stderr"):
        if res.get(key):
            parts.append(str(res[key]).strip())
    return "\n".join(p for p in parts if p) or "the task failed without a message"


def _stdout_tail(result: Any, lines: int = 20) -> str:
    try:
        text = result.stdout.read()
    except (OSError, AttributeError):
        return ""
    return "\n".join(line for line in text.splitlines() if line.strip())[-4000:] \
        if lines else ""


def _kill_leftovers(private_dir: Path) -> None:
    """ansible-runner kills ansible-playbook's process group, but Ansible's task workers run in
    sessions of their own: find them by the inventory path on their command line."""
    marker = str(private_dir / "inventory")
    for process in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in process.info.get("cmdline") or ()):
            with contextlib.suppress(psutil.Error):
                process.kill()
