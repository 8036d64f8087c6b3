from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import CommanderProcess

# No mDNS announcements from the commanders the tests start (loopback only).
os.environ.setdefault("MINERFARM_ADVERTISE", "0")


@pytest.fixture(scope="module")
def commander(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    """One real commander per test module (HTTPS, SQLite, queue, consumer)."""
    process = CommanderProcess(tmp_path_factory.mktemp("commander") / "data").start()
    yield process
    process.stop()


@pytest.fixture
def fresh_commander(tmp_path: Path) -> Iterator[CommanderProcess]:
    process = CommanderProcess(tmp_path / "data").start()
    yield process
    process.stop()
