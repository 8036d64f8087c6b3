"""``minerfarm commander ...``."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True)
def commander() -> None:
    """Serve the commander (HTTPS dashboard and sentry API)."""
