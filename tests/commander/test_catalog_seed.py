"""The seeded catalog: every entry is one the API would accept, turns on its miner's API,
is read by a registered adapter (or says it is not), and says where its checksum comes from.
The seed lives frozen in migration 0003, and a migrated database holds exactly it."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from minerfarm.commander.db.migrate import upgrade
from minerfarm.commander.playbooks.schemas import SoftwareIn
from minerfarm.commander.playbooks.suggested import playbook_template, template_argv
from minerfarm.sentry.miners import REGISTRY

VERSIONS = Path(__file__).resolve().parents[2] / "minerfarm/commander/db/migrations/versions"


def _migration_0003() -> Any:
    path = next(VERSIONS.glob("0003_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _migration_0003()
SEED: list[dict[str, Any]] = MIGRATION.SEED
CHECKSUM_SOURCES: dict[tuple[str, str], str | None] = MIGRATION.CHECKSUM_SOURCES


def test_every_seeded_entry_is_valid_and_documented() -> None:
    assert {e["name"] for e in SEED} >= {"xmrig", "lolminer", "trex", "gminer", "nbminer",
                                         "bzminer", "teamredminer", "srbminer"}
    for entry in SEED:
        key = (entry["name"], entry["version"])
        assert key in CHECKSUM_SOURCES, key
        # an empty sha256 only where no published checksum was found (never made up)
        assert (entry["sha256"] == "") == (CHECKSUM_SOURCES[key] is None), key
        SoftwareIn(**{**entry, "sha256": entry["sha256"] or "0" * 64})
        assert "{{ api_port }}" in entry["executable_template"], key
        assert entry["api_kind"] in REGISTRY, key
        argv = template_argv(entry["executable_template"])
        assert "{{" not in argv[0], key
        plays = yaml.safe_load(playbook_template(SimpleNamespace(**entry)))  # type: ignore[arg-type]
        assert plays[0]["roles"][1]["vars"]["miner_argv"] == argv


def test_a_new_database_holds_the_frozen_seed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}"
    upgrade(url)
    with sqlite3.connect(tmp_path / "seed.db") as conn:
        rows = conn.execute("SELECT name, version, sha256, api_kind, api_port "
                            "FROM mining_software ORDER BY id").fetchall()
    assert rows == [(e["name"], e["version"], e["sha256"], e["api_kind"], e["api_port"])
                    for e in SEED]
