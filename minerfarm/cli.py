"""The ``minerfarm`` command (same as ``python minerfarm.pyz``): it only parses and dispatches.

Each product part owns its sub-command group: ``commander``, ``sentry``, ``asic-sentry``.
"""

from __future__ import annotations

import click

from minerfarm import __version__
from minerfarm.asic.cli import asic_sentry
from minerfarm.commander.cli import commander
from minerfarm.sentry.cli import sentry


@click.group()
@click.version_option(__version__, prog_name="minerfarm")
def main() -> None:
    """minerfarm: monitor and control a crypto-mining farm."""


main.add_command(commander)
main.add_command(sentry)
main.add_command(asic_sentry)
