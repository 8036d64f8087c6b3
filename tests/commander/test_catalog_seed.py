"""The seeded catalog: every entry is one the API would accept, turns on its miner's API,
is read by a registered adapter (or says it is not), and says where its checksum comes from."""

from __future__ import annotations

from types import SimpleNamespace

import yaml

from minerfarm.commander.api.catalog_schemas import SoftwareIn
from minerfarm.commander.catalog_seed import CHECKSUM_SOURCES, SEED
from minerfarm.commander.playbook_template import playbook_template, template_argv
from minerfarm.sentry.miners import REGISTRY


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
        assert entry["api_kind"] in REGISTRY or entry["api_kind"] == "bzminer", key
        argv = template_argv(entry["executable_template"])
        assert "{{" not in argv[0], key
        plays = yaml.safe_load(playbook_template(SimpleNamespace(**entry)))  # type: ignore[arg-type]
        assert plays[0]["roles"][1]["vars"]["miner_argv"] == argv
