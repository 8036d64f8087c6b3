"""``minerfarm sentry enroll|run|status`` (the ``probe`` command is in :mod:`.cli`).

Exit status of ``run``: 0 never (it runs until stopped), 1 other errors, 3 the token is
invalid (401), 4 the rig was removed (410); systemd's unit does not restart on 3 and 4.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from minerfarm.protocol.client import (
    CertificateMismatch,
    CommanderError,
    RigRemoved,
    TokenInvalid,
)
from minerfarm.protocol.enrollment import WrongRigKind
from minerfarm.protocol.tokens import SentryToken, TokenFormatError
from minerfarm.sentry.config import CONFIG_DIR_ENV, PIN_FILE, config_dir, load_config
from minerfarm.sentry.errors import NotEnrolled, SentryError

EXIT_TOKEN_INVALID = 3
EXIT_RIG_REMOVED = 4

config_dir_option = click.option(
    "--config-dir", type=click.Path(file_okay=False, path_type=Path), envvar=CONFIG_DIR_ENV,
    help=f"Where the sentry keeps its config, pinned certificate and spool [env "
         f"{CONFIG_DIR_ENV}; /etc/minerfarm/sentry as root, else ~/.config/minerfarm/sentry].")


class TokenInvalidExit(click.ClickException):
    exit_code = EXIT_TOKEN_INVALID


class RigRemovedExit(click.ClickException):
    exit_code = EXIT_RIG_REMOVED


def enrollment_errors(exc: Exception, *, sentry_cmd: str, other_cmd: str) -> click.ClickException:
    """The user-facing message for an enrollment failure (shared with the ASIC sentry)."""
    if isinstance(exc, TokenFormatError):
        return click.ClickException(f"{exc}. Copy the whole token the commander showed when "
                                    "the rig was created (or regenerate it).")
    if isinstance(exc, CertificateMismatch):
        return click.ClickException(f"{exc}. Refusing to enroll: this is not the commander "
                                    "that issued the token (wrong URL, or a man in the middle).")
    if isinstance(exc, TokenInvalid):
        return click.ClickException(f"{exc}. Check the token, or regenerate it on the rig's "
                                    "page and enroll again.")
    if isinstance(exc, RigRemoved):
        return click.ClickException(f"{exc}. Create the rig again on the commander and enroll "
                                    "with its new token.")
    if isinstance(exc, WrongRigKind):
        return click.ClickException(f"{exc}. Use '{other_cmd} enroll' for this rig, or create "
                                    f"a rig of the right kind for '{sentry_cmd}'.")
    return click.ClickException(f"{exc}. Check the commander URL and that it is running.")


def run_errors(exc: Exception, *, sentry_cmd: str,
               removed: str = "Its miners and playbooks were removed and the credentials "
                              "wiped") -> click.ClickException:
    if isinstance(exc, TokenInvalid):
        return TokenInvalidExit(f"{exc}. The token is invalid (regenerated or mistyped): "
                                f"stopped. Run '{sentry_cmd} enroll' with the rig's current "
                                "token.")
    if isinstance(exc, RigRemoved):
        return RigRemovedExit(f"{exc}. {removed}: stopped. To report again, create a rig "
                              f"and run '{sentry_cmd} enroll' with its token.")
    if isinstance(exc, NotEnrolled):
        return click.ClickException(f"{exc}. Run '{sentry_cmd} enroll' first.")
    return click.ClickException(str(exc))


def run_until_signal(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run until done or SIGTERM/SIGINT (a clean stop: exit 0)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        # the blocking work (collectors, SQLite) is sequential: two threads, not cores + 4
        loop.set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="sentry"))
        task = asyncio.ensure_future(coroutine)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def resolve_url(url: str | None, token: str) -> str:
    """The ``--commander`` given, else the commander advertised on the LAN for this token."""
    if url:
        return url
    from minerfarm.protocol.discovery import browse_commanders, describe, pick

    try:
        fingerprint = SentryToken.parse(token).fingerprint_hex
    except TokenFormatError as exc:
        raise enrollment_errors(exc, sentry_cmd="", other_cmd="") from exc
    click.echo("Looking for the commander on the LAN (mDNS, 3 s)...", err=True)
    found = asyncio.run(browse_commanders(3.0))
    chosen = pick(found, fingerprint)
    if chosen is None:
        raise click.ClickException(
            f"no commander for this token announced itself on the LAN (found: "
            f"{describe(found)}). Give its address with --commander https://HOST:8443.")
    click.echo(f"Found {chosen.name} at {chosen.urls[0]}", err=True)
    return chosen.urls[0]


def install(group: click.Group) -> None:
    group.add_command(enroll)
    group.add_command(run)
    group.add_command(status)


@click.command()
@click.option("--commander", "url", metavar="URL",
              help="The commander, https://HOST:PORT. Omitted: ask, or find it on the LAN.")
@click.option("--token", envvar="MINERFARM_SENTRY_TOKEN",
              help="The rig's token (shown when the rig was created) "
                   "[env MINERFARM_SENTRY_TOKEN; prompted if neither].")
@config_dir_option
def enroll(url: str | None, token: str | None, config_dir: Path | None) -> None:
    """Pin the commander's certificate, check the token, save the credentials (0600)."""
    from minerfarm.sentry.service import enroll_sentry

    if token is None:
        token = click.prompt("Rig token", hide_input=True)
    if url is None:
        url = click.prompt("Commander URL (empty: find it on the LAN)", default="",
                           show_default=False) or None
    url = resolve_url(url, token)
    directory = _dir(config_dir)
    try:
        rig = asyncio.run(enroll_sentry(directory, url, token))
    except (CommanderError, TokenFormatError, ValueError) as exc:
        raise enrollment_errors(exc, sentry_cmd="minerfarm sentry",
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
    from minerfarm.sentry.service import RunOptions, run_sentry

    setup_logging(verbose)
    directory = _dir(config_dir)
    try:
        run_until_signal(run_sentry(directory, RunOptions(interval_s, max_retry_s)))
    except (CommanderError, SentryError) as exc:
        raise run_errors(exc, sentry_cmd="minerfarm sentry") from exc


@click.command()
@click.option("--json", "as_json", is_flag=True)
@config_dir_option
def status(as_json: bool, config_dir: Path | None) -> None:
    """Show the config, the last report delivered and the spool."""
    from minerfarm.sentry.service import spool_stats

    directory = _dir(config_dir)
    try:
        config = load_config(directory)
        stats = spool_stats(directory, config)
    except SentryError as exc:
        raise click.ClickException(str(exc)) from exc
    link = config.commander
    info: dict[str, Any] = {
        "config_dir": str(directory),
        "enrolled": link is not None and (directory / PIN_FILE).is_file(),
        "commander": link.url if link else None,
        "rig": {"id": link.rig_id, "name": link.rig_name} if link else None,
        "interval_s": config.interval_s,
        "miners": [m.model_dump(exclude_none=True) for m in config.miners],
        **spool_fields(stats),
    }
    print_status(info, as_json)


def spool_fields(stats: Any) -> dict[str, Any]:
    if stats is None:
        return {"last_report_at": None, "last_report_seq": None, "spooled": 0,
                "spooled_bytes": 0, "dropped": 0}
    return {"last_report_at": _iso(stats.last_sent_at), "last_report_seq": stats.last_sent_seq,
            "spooled": stats.count, "spooled_bytes": stats.bytes, "dropped": stats.dropped,
            "oldest_spooled_at": _iso(stats.oldest)}


def print_status(info: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        if isinstance(value, list | dict):
            value = json.dumps(value)
        click.echo(f"{key + ':':18} {'-' if value is None else value}")


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _dir(explicit: Path | None) -> Path:
    return config_dir(explicit)
