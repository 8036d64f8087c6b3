"""Shared by the playbook tests: a valid playbook using the minerfarm roles, and a pool and a
wallet address template."""

from __future__ import annotations

import httpx

GOOD = """\
- name: a miner
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: install_miner
    - role: launch_miner
      vars:
        miner_argv: ["miner/bin", "-o", "{{ pool }}", "-u", "{{ wallet }}.{{ worker }}"]
"""


def addresses(api: httpx.Client, coin: str = "XMR") -> list[int]:
    pool = api.post("/api/v1/addresses", json={"type": "pool", "coin": coin, "label": "pool",
                                               "value": "stratum+tcp://pool.example.org:3333"})
    wallet = api.post("/api/v1/addresses", json={"type": "wallet", "coin": coin,
                                                 "label": "wallet", "value": "4WalletAddr"})
    return [pool.json()["id"], wallet.json()["id"]]
