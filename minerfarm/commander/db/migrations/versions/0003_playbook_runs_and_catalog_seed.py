"""playbook run per playbook; mining software catalog seed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:40:00.000000

The seed is frozen here, in the migration that inserts it: what this migration inserts never
changes. A later change to the starting catalog is a new migration.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("playbook_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playbook_id", sa.Integer(), nullable=True))
    _seed_catalog()


def _seed_catalog() -> None:
    """The starting catalog, once: entries already there (same name and version) are kept."""
    software = sa.table(
        "mining_software",
        sa.column("name", sa.String), sa.column("version", sa.String),
        sa.column("download_url", sa.String), sa.column("sha256", sa.String),
        sa.column("executable_template", sa.Text), sa.column("api_kind", sa.String),
        sa.column("api_port", sa.Integer),
    )
    connection = op.get_bind()
    present = {(row[0], row[1]) for row in connection.execute(
        sa.select(software.c.name, software.c.version))}
    rows = [row for row in SEED if (row["name"], row["version"]) not in present]
    if rows:
        op.bulk_insert(software, rows)


def downgrade() -> None:
    with op.batch_alter_table("playbook_runs", schema=None) as batch_op:
        batch_op.drop_column("playbook_id")


# -- the seed, as of this migration ----------------------------------------------------------
# The mining software catalog the commander starts with (inserted once, by migration 0003;
# the admin edits or adds entries afterwards through ``/api/v1/software`` or the pages).
#
# Each entry: the Linux x86-64 release archive, its sha256, the command line (a Jinja template:
# ``{{ pool }}``, ``{{ wallet }}``, ``{{ worker }}``, ``{{ api_host }}``, ``{{ api_port }}``; the
# first word is the executable inside the unpacked archive) with the flags that turn the miner's
# API on, and which adapter reads that API.
#
# Checksums: GitHub release pages (where most projects publish theirs) were not reachable when
# this list was made, so each sha256 below comes from another public source named in
# :data:`CHECKSUM_SOURCES`. Where no published checksum was found the entry's ``sha256`` is
# empty: the sentry refuses to install it ("no verified sha256") until an admin fills in the
# value the project publishes. Nothing here is made up.



GITHUB = "https://github.com"

SEED: list[dict[str, Any]] = [
    {
        "name": "xmrig", "version": "6.26.0",
        "download_url": f"{GITHUB}/xmrig/xmrig/releases/download/v6.26.0/"
                        "xmrig-6.26.0-linux-static-x64.tar.gz",
        "sha256": "fc6f8ae5f64e4f17481f7e3be29a1c56949f216a998414188003eae1db20c9e5",
        "executable_template": "xmrig-6.26.0/xmrig -o {{ pool }} -u {{ wallet }} -p {{ worker }}"
                               " --http-host {{ api_host }} --http-port {{ api_port }}"
                               " --no-color",
        "api_kind": "xmrig", "api_port": 44501,
    },
    {
        "name": "xmrig", "version": "6.22.2",
        "download_url": f"{GITHUB}/xmrig/xmrig/releases/download/v6.22.2/"
                        "xmrig-6.22.2-linux-static-x64.tar.gz",
        "sha256": "b2c88b19699e3d22c4db0d589f155bb89efbd646ecf9ad182ad126763723f4b7",
        "executable_template": "xmrig-6.22.2/xmrig -o {{ pool }} -u {{ wallet }} -p {{ worker }}"
                               " --http-host {{ api_host }} --http-port {{ api_port }}"
                               " --no-color",
        "api_kind": "xmrig", "api_port": 44501,
    },
    {
        "name": "lolminer", "version": "1.98a",
        "download_url": f"{GITHUB}/Lolliedieb/lolMiner-releases/releases/download/1.98a/"
                        "lolMiner_v1.98a_Lin64.tar.gz",
        "sha256": "0b8078299654a12846e4967f1db3506409cfb8b1031687a910965d1a99c6f270",
        "executable_template": "1.98a/lolMiner --algo ETCHASH --pool {{ pool }}"
                               " --user {{ wallet }}.{{ worker }}"
                               " --apihost {{ api_host }} --apiport {{ api_port }}",
        "api_kind": "lolminer", "api_port": 44502,
    },
    {
        "name": "trex", "version": "0.26.8",
        "download_url": f"{GITHUB}/trexminer/T-Rex/releases/download/0.26.8/"
                        "t-rex-0.26.8-linux.tar.gz",
        "sha256": "7e77064a48b4c8cb8d4797f30a41b53efbb8311fc14475b56a8e6879ad1c0569",
        "executable_template": "t-rex -a kawpow -o {{ pool }} -u {{ wallet }} -w {{ worker }}"
                               " -p x --api-bind-http {{ api_host }}:{{ api_port }}"
                               " --api-bind-telnet 0",
        "api_kind": "trex", "api_port": 4067,
    },
    {
        "name": "gminer", "version": "3.44",
        "download_url": f"{GITHUB}/develsoftware/GMinerRelease/releases/download/3.44/"
                        "gminer_3_44_linux64.tar.xz",
        "sha256": "",
        "executable_template": "miner --algo kawpow --server {{ pool }}"
                               " --user {{ wallet }}.{{ worker }} --api {{ api_port }}",
        "api_kind": "gminer", "api_port": 44503,
    },
    {
        "name": "nbminer", "version": "42.3",
        "download_url": f"{GITHUB}/NebuTech/NBMiner/releases/download/v42.3/"
                        "NBMiner_42.3_Linux.tgz",
        "sha256": "",
        "executable_template": "NBMiner_Linux/nbminer -a kawpow -o {{ pool }}"
                               " -u {{ wallet }}.{{ worker }}"
                               " --api {{ api_host }}:{{ api_port }}",
        "api_kind": "nbminer", "api_port": 44504,
    },
    {
        "name": "bzminer", "version": "21.5.3",
        "download_url": f"{GITHUB}/bzminer/bzminer/releases/download/v21.5.3/"
                        "bzminer_v21.5.3_linux.tar.gz",
        "sha256": "",
        "executable_template": "bzminer_v21.5.3_linux/bzminer -a kawpow -p {{ pool }}"
                               " -w {{ wallet }} -r {{ worker }} --http_enabled 1"
                               " --http_address {{ api_host }} --http_port {{ api_port }}",
        # minerfarm has no BzMiner adapter yet: the sentry runs it but cannot read its API.
        "api_kind": "bzminer", "api_port": 44505,
    },
    {
        "name": "teamredminer", "version": "0.10.21",
        "download_url": f"{GITHUB}/todxx/teamredminer/releases/download/v0.10.21/"
                        "teamredminer-v0.10.21-linux.tgz",
        "sha256": "",
        "executable_template": "teamredminer-v0.10.21-linux/teamredminer -a kawpow"
                               " -o {{ pool }} -u {{ wallet }}.{{ worker }} -p x"
                               " --api_listen={{ api_host }}:{{ api_port }}",
        "api_kind": "teamredminer", "api_port": 4028,
    },
    {
        "name": "srbminer", "version": "3.4.2",
        "download_url": f"{GITHUB}/doktor83/SRBMiner-Multi/releases/download/3.4.2/"
                        "SRBMiner-Multi-3-4-2-Linux.tar.gz",
        "sha256": "b8bcd90c92dc9b639dab9f513b34fa894252478decea16067a4a0b71eb2e41cf",
        "executable_template": "SRBMiner-Multi-3-4-2/SRBMiner-MULTI --algorithm randomx"
                               " --pool {{ pool }} --wallet {{ wallet }} --worker {{ worker }}"
                               " --api-enable --api-port {{ api_port }}",
        "api_kind": "srbminer", "api_port": 21550,
    },
]

# Where each sha256 was found (None: not found; the entry ships with an empty sha256).
CHECKSUM_SOURCES: dict[tuple[str, str], str | None] = {
    ("xmrig", "6.26.0"): "third-party install script pinning the official GitHub asset "
                         "(public GitHub code, found with minerfarm's code search)",
    ("xmrig", "6.22.2"): "third-party container setup script pinning the official GitHub asset",
    ("lolminer", "1.98a"): "third-party miner catalog script (name|version|url|sha256|...) for "
                           "the Lolliedieb URL; note a Nix expression pins e2f8f592...2762b for "
                           "a kryptex-miners mirror of the same file name: check before use",
    ("trex", "0.26.8"): "same third-party miner catalog script",
    ("srbminer", "3.4.2"): "same third-party miner catalog script",
    ("gminer", "3.44"): None,
    ("nbminer", "42.3"): None,
    ("bzminer", "21.5.3"): None,
    ("teamredminer", "0.10.21"): None,
}
