"""Ansible's failures in words, on what ansible-runner really reported for each cause
(``ansible_failures.json``, made by ``capture_ansible_failures.py`` running the real role)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from minerfarm.ansible_support.failures import explain

CAPTURES = {c["case"]: c for c in json.loads(
    Path(__file__).with_name("ansible_failures.json").read_text())}

EXPECTED = {  # case: (cause, words on the index row, words in the sentence)
    "dns": ("dns", "could not download (no DNS)", "could not download https://no-such-host"),
    "refused": ("refused", "could not download (connection refused)", "connection refused"),
    "http_503": ("http_error", "could not download (HTTP 503)", "server refused"),
    "not_found": ("http_404", "could not download (404, no such file)", "missing.tar.gz"),
    "checksum": ("checksum", "could not download (checksum mismatch)", "sha256"),
    "no_checksum": ("no_checksum", "no sha256 in the catalog", "fill in the published"),
    "unpack": ("unpack", "not an archive", "web page"),
    "timeout": ("timeout", "could not download (timed out)", "does not answer"),
    "disk_full": ("disk_full", "disk is full", "free some space"),
    "permission": ("permission", "permission denied", "owner of its folders"),
    "other": ("other", "Start the miner failed", "unknown option --foo"),
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_real_failure_reads_as_its_cause(case: str) -> None:
    capture: dict[str, Any] = CAPTURES[case]
    assert capture["status"] == "failed"
    words = explain(capture["failed_task"], capture["message"])
    cause, label, sentence = EXPECTED[case]
    assert words.cause == cause
    assert label in words.label
    assert sentence in words.sentence
    # no raw Python reprs, no role prefix: words a user reads
    assert "<urlopen" not in words.sentence and "install_miner :" not in words.sentence
    assert len(words.label) <= 80


def test_the_captures_cover_every_pattern() -> None:
    """A pattern nobody has seen Ansible produce is a guess: each has a real capture."""
    from minerfarm.ansible_support.failures import PATTERNS

    seen = {explain(c["failed_task"], c["message"]).cause for c in CAPTURES.values()}
    untested = {p.cause for p in PATTERNS} - seen
    assert not untested


def test_no_message_still_says_which_task() -> None:
    words = explain("install_miner : Unpack xmrig 6.22", None)
    assert words.label == "Unpack xmrig 6.22 failed"
    assert "Ansible gave no message" in words.sentence
