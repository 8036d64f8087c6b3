"""A sentry's config dir and its one JSON config file, the same way for every sentry.

Where the dir is: ``--config-dir``, else the sentry's environment variable, else (as root, for
a sentry that has one) its system dir, else ``$XDG_CONFIG_HOME/minerfarm/<name>``
(``~/.config/...``). Each sentry passes its own names (:class:`ConfigDir`), so existing config
dirs keep their places.

The file holds the token (and, for the ASIC sentry, passwords): it is written 0600 in a 0700
folder, atomically (a crash never leaves half a file). Read and write errors name the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from minerfarm.agent.errors import ConfigFileError

C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class ConfigDir:
    env: str  # e.g. MINERFARM_SENTRY_CONFIG_DIR
    name: str  # the folder under ~/.config/minerfarm/
    root_dir: Path | None = None  # the default when running as root, if the sentry has one

    def resolve(self, explicit: str | Path | None = None) -> Path:
        if explicit:
            return Path(explicit)
        if os.environ.get(self.env):
            return Path(os.environ[self.env])
        if self.root_dir is not None and os.geteuid() == 0:
            return self.root_dir
        base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        return Path(base) / "minerfarm" / self.name


@dataclass(frozen=True)
class ConfigFile(Generic[C]):
    """``name`` in a config dir, holding one ``model``; errors are raised as ``error`` (the
    sentry's own subclass of :class:`ConfigFileError`)."""

    name: str
    model: type[C]
    error: type[ConfigFileError] = ConfigFileError

    def load(self, directory: Path) -> C:
        """The config in ``directory``; the model's defaults if there is none yet."""
        path = directory / self.name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self.model()
        except OSError as exc:
            raise self.error(f"cannot read {path}: {exc.strerror}") from exc
        try:
            return self.model.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise self.error(f"{path} is invalid: {first['msg']} at "
                             f"{'.'.join(map(str, first['loc']))}") from exc

    def save(self, config: C, directory: Path) -> Path:
        path = directory / self.name
        text = json.dumps(config.model_dump(mode="json", exclude_none=True), indent=2) + "\n"
        try:
            write_private(path, text)
        except OSError as exc:
            raise self.error(f"cannot write {path}: {exc.strerror}") from exc
        return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, 0600, in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
