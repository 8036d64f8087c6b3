"""``minerfarm sentry ...``."""

from __future__ import annotations

import click


@click.group()
def sentry() -> None:
    """The CPU/GPU sentry that runs on each rig."""
