"""The ``minerfarm`` command (same as ``python minerfarm.pyz``): it only parses and dispatches.

Each product part owns its sub-command group: ``commander``, ``sentry``, ``asic-sentry``. The
groups are imported only when invoked, so a sentry on a rig never loads the commander's web
stack (Quart, SQLAlchemy, argon2): that keeps the sentry's memory small.
"""

from __future__ import annotations

import importlib

import click

from minerfarm import __version__
from minerfarm.lean import skip_unused_parts

skip_unused_parts()  # before any part's group imports httpx

# name -> (module, attribute) of each part's click group
GROUPS = {
    "commander": ("minerfarm.commander.cli", "commander"),
    "sentry": ("minerfarm.sentry.cli", "sentry"),
    "asic-sentry": ("minerfarm.asic.cli", "asic_sentry"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *GROUPS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in GROUPS:
            module, attribute = GROUPS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="minerfarm")
def main() -> None:
    """minerfarm: monitor and control a crypto-mining farm."""
