"""A process's (or thread's) name and CPU time, from its Linux ``/proc/.../stat``: what the
benches measure a server's cost by, independent of what else runs on the machine."""

from __future__ import annotations

import os
from pathlib import Path


def name_and_cpu_seconds(stat: Path) -> tuple[str, float]:
    """``stat``: ``/proc/<pid>/stat`` or ``/proc/<pid>/task/<tid>/stat``; user + system time."""
    text = stat.read_text()
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    return name_and_cpu_seconds(Path(f"/proc/{pid}/stat"))[1]
