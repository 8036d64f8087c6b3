"""Every commander setting is documented in README.md."""

from __future__ import annotations

from minerfarm.commander.settings import describe
from tests.support import REPO


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [env for env, _, _ in describe() if f"`{env}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    head = (REPO / "README.md").read_text().split("\n## ")[0]
    assert "make run" in head and "make test" in head
