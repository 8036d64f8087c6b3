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


def test_every_setting_reads_its_type_from_the_environment() -> None:
    """Each documented variable gives its setting the declared type (a float setting read as
    text broke the live pages' session check once)."""
    from dataclasses import fields

    from minerfarm.commander.settings import Settings

    samples = {"bool": "false", "int": "7", "float": "0.5", "Path": "/tmp/x", "str": "text"}
    for item in fields(Settings):
        kind = next(k for k in ("bool", "int", "float", "Path", "str") if k in str(item.type))
        env = f"MINERFARM_{item.name.upper()}"
        value = getattr(Settings.from_env({env: samples[kind]}), item.name)
        expected = {"bool": bool, "int": int, "float": float, "str": str}.get(kind)
        assert expected is None or type(value) is expected, (env, value)


def test_every_picture_the_readme_shows_exists() -> None:
    import re

    readme = (REPO / "README.md").read_text()
    pictures = set(re.findall(r"(docs/[\w./-]+\.png)", readme))
    assert len(pictures) > 30
    missing = sorted(p for p in pictures if not (REPO / p).is_file())
    assert not missing, f"the README shows pictures that are not there: {missing}"
