"""``minerfarm sentry ...``: parses, calls, prints. Domain errors become
``click.ClickException`` here and nowhere else."""

from __future__ import annotations

import asyncio
import json

import click

from minerfarm.sentry import runcli
from minerfarm.sentry.miners import (
    DEFAULT_TIMEOUT,
    REGISTRY,
    MinerApiError,
    MinerConfigError,
    MinerUnreachable,
    read_miner,
)


@click.group()
def sentry() -> None:
    """The CPU/GPU sentry that runs on each rig."""


@sentry.command()
@click.option("--software", required=True, metavar="NAME",
              help=f"The miner software: {', '.join(sorted(REGISTRY))}.")
@click.option("--api", "api_url", required=True, metavar="URL",
              help="The miner's API: http://HOST:PORT (JSON APIs) or tcp://HOST:PORT "
                   "(cgminer-style, e.g. TeamRedMiner).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds to wait for the miner's answer.")
def probe(software: str, api_url: str, timeout_s: float) -> None:
    """Print one normalised miners[] entry (JSON, hashrates in H/s) read from a running
    miner's API. Fields the miner does not report are left out."""
    try:
        miner = asyncio.run(read_miner(software, api_url, timeout_s=timeout_s))
    except MinerConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except MinerUnreachable as exc:
        raise click.ClickException(
            f"{exc}\nIs the miner running with its API enabled on that address and port?"
        ) from exc
    except MinerApiError as exc:
        raise click.ClickException(
            f"{exc}\nCheck that --software names the miner listening at {api_url}."
        ) from exc
    click.echo(json.dumps(miner.model_dump(mode="json", exclude_none=True), indent=2))


runcli.install(sentry)
