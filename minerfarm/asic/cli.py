"""``minerfarm asic-sentry ...``."""

from __future__ import annotations

import click


@click.group("asic-sentry")
def asic_sentry() -> None:
    """The ASIC sentry that watches the ASICs of one LAN."""
