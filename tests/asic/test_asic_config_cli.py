"""``asic-sentry remove`` and ``status`` on a config (no ASIC needed): remove by IP or name,
refuse what is ambiguous or unknown, never claim the ASIC stops mining; status as text with
names, JSON with ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from minerfarm.asic.cli import asic_sentry
from minerfarm.asic.config import AsicEntry, AsicSentryConfig, load_config, save_config


def cli(config_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(asic_sentry, [*args, "--config-dir", str(config_dir)])


def watched(config_dir: Path) -> list[tuple[str, int, str | None]]:
    return [(e.ip, e.port, e.name) for e in load_config(config_dir).asics]


def fleet(config_dir: Path) -> None:
    save_config(AsicSentryConfig(asics=[
        AsicEntry(ip="10.0.0.7", type="antminer", name="S21 rack 1"),
        AsicEntry(ip="10.0.0.8", type="whatsminer"),
        AsicEntry(ip="10.0.0.8", port=4029, type="avalon", name="avalon"),
    ]), config_dir)


def test_remove_by_name_or_ip(tmp_path: Path) -> None:
    fleet(tmp_path)
    removed = cli(tmp_path, "remove", "s21 RACK 1")  # a name, case aside
    assert removed.exit_code == 0, removed.output
    assert "removed S21 rack 1 (10.0.0.7:4028)" in removed.output
    assert "keeps mining" in removed.output and "stops mining" not in removed.output
    assert watched(tmp_path) == [("10.0.0.8", 4028, None), ("10.0.0.8", 4029, "avalon")]

    both = cli(tmp_path, "remove", "10.0.0.8")
    assert both.exit_code == 1 and "more than one ASIC" in both.output
    assert "--port" in both.output and len(watched(tmp_path)) == 2
    one = cli(tmp_path, "remove", "10.0.0.8", "--port", "4028")
    assert one.exit_code == 0, one.output
    assert watched(tmp_path) == [("10.0.0.8", 4029, "avalon")]

    unknown = cli(tmp_path, "remove", "10.0.0.99")
    assert unknown.exit_code == 1
    assert "no ASIC '10.0.0.99'" in unknown.output and "status' lists them" in unknown.output
    assert watched(tmp_path) == [("10.0.0.8", 4029, "avalon")]


def test_status_lists_names_as_text_and_keeps_its_json(tmp_path: Path) -> None:
    empty = cli(tmp_path, "status")
    assert empty.exit_code == 0, empty.output
    assert "Enrolled:     no: run 'minerfarm asic-sentry enroll'" in empty.output
    assert "add --all-found CIDR" in empty.output
    fleet(tmp_path)
    text = cli(tmp_path, "status").output
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("NAME"))
    assert lines[header].split() == ["NAME", "IP", "PORT", "TYPE"]
    assert lines[header + 1].split() == ["S21", "rack", "1", "10.0.0.7", "4028", "antminer"]
    assert lines[header + 2].split() == ["-", "10.0.0.8", "4028", "whatsminer"]
    assert "Spool:        empty" in text and "{" not in text
    rows = json.loads(CliRunner().invoke(
        asic_sentry, ["status", "--json", "--config-dir", str(tmp_path)]).stdout)
    assert [r["entry"]["name"] for r in rows] == ["S21 rack 1", None, "avalon"]
    assert all(r["reading"] is None for r in rows)


def test_add_wants_one_asic_or_a_subnet(tmp_path: Path) -> None:
    neither = cli(tmp_path, "add")
    assert neither.exit_code == 2 and "--ip IP or --all-found CIDR" in neither.output
    both = cli(tmp_path, "add", "--ip", "10.0.0.7", "--all-found", "10.0.0.0/24")
    assert both.exit_code == 2
    named = cli(tmp_path, "add", "--all-found", "10.0.0.0/24", "--name", "x")
    assert named.exit_code == 2 and "--name and --type go with --ip" in named.output
    bad = cli(tmp_path, "add", "--all-found", "10.0.0.300/24")
    assert bad.exit_code == 2 and not (tmp_path / "asic-sentry.json").exists()
