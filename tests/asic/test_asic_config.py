"""The ASIC sentry's config file: private, round-trips, credentials per ASIC and subnet."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from minerfarm.asic.config import (
    CONFIG_DIR_ENV,
    AsicEntry,
    AsicSentryConfig,
    Credentials,
    SubnetCredentials,
    config_dir,
    load_config,
    save_config,
)
from minerfarm.asic.errors import AsicConfigError


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nowhere")
    assert config.asics == [] and config.poll.timeout_s == 5.0


def test_save_is_private_and_round_trips_secrets(tmp_path: Path) -> None:
    config = AsicSentryConfig(
        asics=[AsicEntry(ip="127.5.0.1", port=14028, type="whatsminer",
                         credentials=Credentials(password="s3cret"))],
        subnet_credentials=[SubnetCredentials(cidr="127.5.0.0/24",
                                              credentials=Credentials(password="subnet"))])
    path = save_config(config, tmp_path / "cfg")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = json.loads(path.read_text())
    assert raw["asics"][0]["credentials"]["password"] == "s3cret"
    loaded = load_config(tmp_path / "cfg")
    assert loaded.asics[0].port == 14028
    assert loaded.credentials_for("127.5.0.1").password.get_secret_value() == "s3cret"
    assert loaded.credentials_for("127.5.0.2").password.get_secret_value() == "subnet"
    assert loaded.credentials_for("127.6.0.1") is None


def test_most_specific_subnet_wins() -> None:
    config = AsicSentryConfig(subnet_credentials=[
        SubnetCredentials(cidr="127.5.0.0/16", credentials=Credentials(username="wide")),
        SubnetCredentials(cidr="127.5.3.0/24", credentials=Credentials(username="narrow")),
    ])
    assert config.credentials_for("127.5.3.9").username == "narrow"
    assert config.credentials_for("127.5.4.9").username == "wide"


def test_add_replaces_same_address_and_port() -> None:
    config = AsicSentryConfig()
    assert config.add(AsicEntry(ip="127.5.0.1")) is True
    assert config.add(AsicEntry(ip="127.5.0.1", type="avalon")) is False
    assert config.add(AsicEntry(ip="127.5.0.1", port=14028)) is True
    assert [(a.port, a.type) for a in config.asics] == [(4028, "avalon"), (14028, None)]


def test_invalid_entries_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        AsicEntry(ip="127.5.0.1", type="antminer-s99")
    with pytest.raises(ValidationError):
        AsicEntry(ip="not-an-ip")
    (tmp_path / "asic-sentry.json").write_text('{"asics": [{"ip": "127.0.0.1", "port": 0}]}')
    with pytest.raises(AsicConfigError, match=r"asics\.0\.port"):
        load_config(tmp_path)


def test_unknown_keys_kept_for_enroll_and_run(tmp_path: Path) -> None:
    (tmp_path / "asic-sentry.json").write_text('{"commander": {"url": "https://x"}}')
    config = load_config(tmp_path)
    save_config(config, tmp_path)
    assert json.loads((tmp_path / "asic-sentry.json").read_text())["commander"] == {
        "url": "https://x"}


def test_config_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "env"))
    assert config_dir() == tmp_path / "env"
    assert config_dir(tmp_path / "flag") == tmp_path / "flag"
