"""``make zipapp && python dist/minerfarm.pyz commander`` serves the login page over HTTPS."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO, CommanderProcess

pytestmark = pytest.mark.slow


def test_zipapp_serves_the_commander(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    shiv = Path(sys.executable).with_name("shiv")
    subprocess.run([str(shiv), "--compressed", "-c", "minerfarm", "-o", str(out / "minerfarm.pyz"),
                    str(REPO)], check=True, cwd=REPO, capture_output=True)
    pyz = out / "minerfarm.pyz"
    assert pyz.stat().st_size > 1_000_000
    # Run it from elsewhere, with only the zipapp: nothing from the checkout on the path.
    lone = tmp_path / "elsewhere"
    lone.mkdir()
    shutil.copy(pyz, lone / "minerfarm.pyz")
    process = CommanderProcess(
        tmp_path / "data",
        argv=[sys.executable, str(lone / "minerfarm.pyz")],
        env={"SHIV_ROOT": str(tmp_path / "shiv"), "PYTHONPATH": ""},
    )
    process.start(timeout=90)
    try:
        with process.anonymous() as browser:
            page = browser.get("/login")
            assert page.status_code == 200
            assert "Admin password" in page.text
    finally:
        process.stop()
