"""``minerfarm sentry run`` without click: what it runs, and a parser for its plain command
lines.

click and what it imports (gettext, uuid, platform) cost the sentry about 1.1 MB of its 40 MB
budget on a rig (``bench/sentry_footprint.py``), for parsing four options once. The program's
entry point (:mod:`minerfarm.entry`) asks :func:`parse` first; it understands a command line
only when running it is certain, that is well-formed options with values in range, and
leaves everything else (``--help``, an unknown or misspelt option, a bad value) to the click
command (:func:`minerfarm.sentry.runcli.run`), which then answers as it always did. Both run
:func:`run`; the tests check that a command line both understand gives the same options.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minerfarm.agent.client import CommanderError
from minerfarm.agent.running import run_until_signal, setup_logging
from minerfarm.sentry.config import CONFIG_DIR_ENV, config_dir
from minerfarm.sentry.errors import SentryError

COMMAND = ("sentry", "run")
FLAGS = ("-v", "--verbose")
VALUED = {"--interval": "interval_s", "--max-retry-delay": "max_retry_s",
          "--config-dir": "config_dir"}
MIN_SECONDS = 0.1  # click.FloatRange(min=0.1) of --interval and --max-retry-delay


@dataclass(frozen=True)
class RunArgs:
    """``sentry run``'s options, with the click command's defaults."""

    interval_s: float | None = None  # None: the config's
    max_retry_s: float = 60.0
    verbose: bool = False
    config_dir: Path | None = None  # None: MINERFARM_SENTRY_CONFIG_DIR, else the default


def parse(argv: Sequence[str]) -> RunArgs | None:
    """``argv`` (the program's arguments) as ``sentry run`` options; None when it is another
    command or anything click would not simply run (click then says what is wrong)."""
    if tuple(argv[:2]) != COMMAND:
        return None
    values: dict[str, str] = {}
    verbose = False
    rest = list(argv[2:])
    while rest:
        arg = rest.pop(0)
        if arg in FLAGS:
            verbose = True
            continue
        name, equals, value = arg.partition("=")
        if name not in VALUED:
            return None
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        values[VALUED[name]] = value  # repeated: the last one, as click
    interval_s = _seconds(values["interval_s"]) if "interval_s" in values else None
    max_retry_s = _seconds(values.get("max_retry_s", str(RunArgs.max_retry_s)))
    if max_retry_s is None or ("interval_s" in values and interval_s is None):
        return None
    # click.Path(file_okay=False) refuses a file, given or from the environment
    directory = values.get("config_dir") or os.environ.get(CONFIG_DIR_ENV)
    if directory and Path(directory).is_file():
        return None
    given = values.get("config_dir")
    return RunArgs(interval_s, max_retry_s, verbose, Path(given) if given else None)


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= MIN_SECONDS else None


def run(args: RunArgs) -> None:
    """What ``sentry run`` does: until stopped, or raising
    :class:`~minerfarm.agent.client.CommanderError` or
    :class:`~minerfarm.sentry.errors.SentryError`."""
    from minerfarm.sentry.service import RunOptions, run_sentry

    setup_logging(args.verbose)
    directory = config_dir(args.config_dir)
    run_until_signal(run_sentry(directory, RunOptions(args.interval_s, args.max_retry_s)))


def main(argv: Sequence[str]) -> bool:
    """Run ``sentry run`` if :func:`parse` understands ``argv``; False when it does not.
    Errors end the program as the click command ends it: the same message, the same exit
    status (:func:`minerfarm.agent.cli.run_errors`)."""
    args = parse(argv)
    if args is None:
        return False
    try:
        run(args)
    except (CommanderError, SentryError) as exc:
        from minerfarm.agent.cli import run_errors

        error = run_errors(exc, sentry_cmd="minerfarm sentry")
        error.show()
        sys.exit(error.exit_code)
    except (EOFError, KeyboardInterrupt):
        print("\nAborted!", file=sys.stderr)  # click's answer to ^C
        sys.exit(1)
    return True
