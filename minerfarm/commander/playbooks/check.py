"""Checks a playbook before it is saved: YAML, placeholders, addresses, ``ansible-playbook
--syntax-check``. Each failure is a 422 whose message says what to fix (page and API)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from minerfarm.ansible_support import ansible_env, playbook_argv
from minerfarm.commander.db.models import Address
from minerfarm.commander.errors import ApiError
from minerfarm.commander.playbooks.schemas import plays_of
from minerfarm.protocol.playbooks import PLACEHOLDERS, ROLE_VARIABLES, placeholder

SYNTAX_CHECK_TIMEOUT_S = 30.0
# Ansible's own names a playbook may use besides the placeholders.
_ANSIBLE_NAMES = frozenset({
    "item", "omit", "inventory_hostname", "inventory_hostname_short", "hostvars", "groups",
    "group_names", "playbook_dir", "role_path", "role_name", "lookup", "query", "q", "now",
    "undef", "ansible_loop", "ansible_index_var", "environment",
})
_CHECKS = asyncio.Semaphore(2)  # at most two ansible-playbook processes at once


def invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_playbook", message)


def parse_plays(text: str) -> list[dict[str, Any]]:
    try:
        return plays_of(text)
    except ValueError as exc:
        raise invalid(str(exc)) from exc


def _defined_names(node: Any, found: set[str]) -> set[str]:
    """Variables the playbook defines itself: ``vars:`` keys, ``register:``, ``set_fact``,
    ``loop_var``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "vars" and isinstance(value, dict):
                found.update(str(k) for k in value)
            elif key == "register" and isinstance(value, str):
                found.add(value)
            elif key in ("set_fact", "ansible.builtin.set_fact") and isinstance(value, dict):
                found.update(str(k) for k in value)
            elif key == "loop_var" and isinstance(value, str):
                found.add(value)
            _defined_names(value, found)
    elif isinstance(node, list):
        for value in node:
            _defined_names(value, found)
    return found


def used_placeholders(text: str, plays: list[dict[str, Any]]) -> set[str]:
    """The placeholders the playbook uses; refuses any other undefined variable."""
    try:
        tree = jinja2.Environment(autoescape=False).parse(text)  # noqa: S701 - parsed, never rendered
    except jinja2.TemplateSyntaxError as exc:
        raise invalid(f"template error on line {exc.lineno}: {exc.message}") from exc
    names = jinja2.meta.find_undeclared_variables(tree)
    allowed = set(PLACEHOLDERS) | ROLE_VARIABLES | _ANSIBLE_NAMES | _defined_names(plays, set())
    unknown = sorted(n for n in names if n not in allowed and not n.startswith("ansible_"))
    if unknown:
        listed = ", ".join(placeholder(n) for n in unknown)
        known = ", ".join(placeholder(n) for n in PLACEHOLDERS)
        raise invalid(f"unknown placeholder {listed}: the placeholders are {known}")
    return {n for n in names if n in PLACEHOLDERS}


def check_addresses(used: set[str], addresses: list[Address], wanted: list[int]) -> None:
    missing = sorted(set(wanted) - {a.id for a in addresses})
    if missing:
        raise invalid(f"no address template with id {', '.join(map(str, missing))}")
    by_type: dict[str, list[Address]] = {}
    for address in addresses:
        by_type.setdefault(address.type, []).append(address)
    for kind in ("pool", "wallet"):
        if len(by_type.get(kind, [])) > 1:
            raise invalid(f"pick one {kind} address, not {len(by_type[kind])}")
        if kind in used and kind not in by_type:
            raise invalid(f"the playbook uses {placeholder(kind)}: pick a {kind} address")
    if "coin" in used and not addresses:
        raise invalid(f"the playbook uses {placeholder('coin')}: pick a pool or a wallet")
    pool, wallet = by_type.get("pool", [None])[0], by_type.get("wallet", [None])[0]
    if pool and wallet and pool.coin.lower() != wallet.coin.lower():
        raise invalid(f"the pool is for {pool.coin} but the wallet for {wallet.coin}")


_NOISE = re.compile(r"^\s*(playbook: .*|\[WARNING\].*)$")


async def syntax_check(text: str, timeout_s: float = SYNTAX_CHECK_TIMEOUT_S) -> None:
    """``ansible-playbook --syntax-check`` against the minerfarm roles; off the event loop (a
    subprocess), bounded in time and in how many run at once."""
    async with _CHECKS:
        with tempfile.TemporaryDirectory(prefix="minerfarm-check-") as tmp:
            path = Path(tmp) / "playbook.yml"
            path.write_text(text)
            env = ansible_env(Path(tmp))
            process = await asyncio.create_subprocess_exec(
                *playbook_argv(), "--syntax-check", "-i", "localhost,", str(path),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                env=env, cwd=tmp,
            )
            try:
                output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
            except TimeoutError as exc:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                raise invalid(f"ansible-playbook --syntax-check took over {timeout_s:.0f} s") \
                    from exc
    if process.returncode != 0:
        lines = [line for line in output.decode(errors="replace").replace(tmp, ".").splitlines()
                 if line.strip() and not _NOISE.match(line)]
        raise invalid("ansible-playbook --syntax-check failed: " + "\n".join(lines[:30]))
