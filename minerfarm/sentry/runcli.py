"""``minerfarm sentry enroll|run|status`` (the ``probe`` command is in :mod:`.cli`); the
messages, exit codes (3 token invalid, 4 rig removed) and helpers are the shared core's
(:mod:`minerfarm.agent.cli`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from minerfarm.agent import cli as agent_cli
from minerfarm.agent.client import CommanderError
from minerfarm.agent.session import spool_stats
from minerfarm.protocol.tokens import TokenFormatError
from minerfarm.sentry import quickrun
from minerfarm.sentry.config import CONFIG_DIR_ENV, PIN_FILE, config_dir, load_config
from minerfarm.sentry.errors import SentryError

config_dir_option = click.option(
    "--config-dir", type=click.Path(file_okay=False, path_type=Path), envvar=CONFIG_DIR_ENV,
    help=f"Where the sentry keeps its config, pinned certificate and spool [env "
         f"{CONFIG_DIR_ENV}; /etc/minerfarm/sentry as root, else ~/.config/minerfarm/sentry].")


def install(group: click.Group) -> None:
    group.add_command(enroll)
    group.add_command(run)
    group.add_command(status)


@click.command()
@click.option("--commander", "url", metavar="URL",
              help="The commander, https://HOST:PORT; several of one farm comma-separated "
                   "(tried in order when one is down). Omitted: ask, or find it on the LAN.")
@click.option("--token", envvar="MINERFARM_SENTRY_TOKEN",
              help="The rig's token (shown when the rig was created) "
                   "[env MINERFARM_SENTRY_TOKEN; prompted if neither].")
@config_dir_option
def enroll(url: str | None, token: str | None, config_dir: Path | None) -> None:
    """Pin the commander's certificate, check the token, save the credentials (0600)."""
    from minerfarm.sentry.service import enroll_sentry

    url, token = agent_cli.ask_enrollment(url, token)
    directory = _dir(config_dir)
    try:
        rig = asyncio.run(enroll_sentry(directory, url, token))
    except (CommanderError, TokenFormatError, ValueError) as exc:
        raise agent_cli.enrollment_errors(exc, sentry_cmd="minerfarm sentry",
                                          other_cmd="minerfarm asic-sentry") from exc
    except SentryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Enrolled as rig {rig.get('name')!r} (id {rig.get('id')}); credentials in "
               f"{directory}. Start reporting with 'minerfarm sentry run'.")


@click.command()
@click.option("--interval", "interval_s", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between reports [default: the config's interval_s, 10].")
@click.option("--max-retry-delay", "max_retry_s", type=click.FloatRange(min=0.1),
              default=60.0, show_default=True,
              help="Longest wait between attempts while the commander is unreachable.")
@click.option("-v", "--verbose", is_flag=True, help="Log every report sent.")
@config_dir_option
def run(interval_s: float | None, max_retry_s: float, verbose: bool,
        config_dir: Path | None) -> None:
    """Report host, GPUs and miners every interval; spool while the commander is away."""
    # (a plain command line runs the same without click: minerfarm.sentry.quickrun)
    try:
        quickrun.run(quickrun.RunArgs(interval_s, max_retry_s, verbose, config_dir))
    except (CommanderError, SentryError) as exc:
        raise agent_cli.run_errors(exc, sentry_cmd="minerfarm sentry") from exc


@click.command()
@click.option("--json", "as_json", is_flag=True)
@config_dir_option
def status(as_json: bool, config_dir: Path | None) -> None:
    """Show the config, the last report delivered and the spool."""
    directory = _dir(config_dir)
    try:
        config = load_config(directory)
        stats = spool_stats(directory)
    except SentryError as exc:
        raise click.ClickException(str(exc)) from exc
    link = config.link
    info: dict[str, Any] = {
        "config_dir": str(directory),
        "enrolled": link is not None and (directory / PIN_FILE).is_file(),
        **agent_cli.link_fields(link),
        "interval_s": config.interval_s,
        "miners": [m.model_dump(exclude_none=True) for m in config.miners],
        **agent_cli.spool_fields(stats),
    }
    agent_cli.print_status(info, as_json)


def _dir(explicit: Path | None) -> Path:
    return config_dir(explicit)
