"""A miner's console kept on disk: appended, rotated at a size (``.1`` ... ``.N``)."""

from __future__ import annotations

from pathlib import Path

MAX_BYTES = 1024 * 1024
BACKUPS = 3


class RotatingLog:
    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path, self.max_bytes, self.backups = path, max_bytes, backups
        path.parent.mkdir(parents=True, exist_ok=True)
        self._size = path.stat().st_size if path.exists() else 0

    def write(self, line: str) -> None:
        """One line (small appends: cheap enough to do on the event loop)."""
        data = (line.rstrip("\n") + "\n").encode(errors="replace")
        if self._size + len(data) > self.max_bytes:
            self._rotate()
        with self.path.open("ab") as file:
            file.write(data)
        self._size += len(data)

    def _rotate(self) -> None:
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.path.exists():
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        self._size = 0
