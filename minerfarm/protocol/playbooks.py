"""Playbook placeholders, defined once: what a sentry fills in when it runs a rig's playbook.

A playbook stored on the commander is real Ansible YAML. Besides Ansible's own variables it
may use only these placeholders; the sentry passes them as extra vars, from the ``vars`` object
of each entry of ``GET /api/v1/sentry/playbooks`` (additive to protocol v1) and from the
playbook's catalog entry (``api_port``).
"""

from __future__ import annotations

PLACEHOLDERS: dict[str, str] = {
    "pool": "the pool address picked for the playbook (stratum+tcp://host:port or host:port)",
    "wallet": "the wallet address picked for the playbook",
    "worker": "the worker name: the rig's name, letters, digits, - and _ only",
    "coin": "the coin of the picked addresses (as written in the address templates)",
    "api_host": "where the miner's API must listen: 127.0.0.1 (the sentry reads it there)",
    "api_port": "the miner API's port from the catalog entry (the sentry reads it there)",
}

API_HOST = "127.0.0.1"

# Set by the sentry for the minerfarm roles (install_miner, launch_miner); a playbook may name
# them too, e.g. to pass ``miner_dir`` on.
ROLE_VARIABLES = frozenset({
    "miner_dir", "launch_script", "software_name", "software_version", "software_url",
    "software_sha256", "miner_argv", "miner_env",
})


def placeholder(name: str) -> str:
    """``pool`` -> ``{{ pool }}``, as written in a playbook."""
    return "{{ " + name + " }}"
