"""``minerfarm asic-sentry ...``: parses, calls, prints. Domain errors become
``click.ClickException`` here and nowhere else."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Sequence

import click

from minerfarm.agent import cli as agent_cli
from minerfarm.agent.client import CommanderError
from minerfarm.agent.running import run_until_signal, setup_logging
from minerfarm.protocol.tokens import TokenFormatError
from minerfarm.protocol.units import humanize_hs

from . import configcli, discovery, drivers
from .concurrency import raise_fd_limit
from .config import config_path
from .configcli import (
    TYPE_CHOICE,
    config_dir_option,
    ip_argument,
    login_for,
    port_option,
    run_async,
    table,
    web_port_option,
)
from .errors import AsicError
from .reporting import enroll_asic_sentry, run_asic_sentry


@click.group("asic-sentry")
def asic_sentry() -> None:
    """The ASIC sentry that watches the ASICs of one LAN."""


@asic_sentry.command()
@click.argument("cidrs", nargs=-1)
@click.option("--port", type=click.IntRange(1, 65535), default=drivers.DEFAULT_PORT,
              show_default=True, help="cgminer RPC port to sweep.")
@click.option("--web-port", type=click.IntRange(1, 65535), default=discovery.WEB_PORT,
              show_default=True, help="Web API port to sweep.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--concurrency", type=click.IntRange(1, 4096), default=discovery.SWEEP_CONCURRENCY,
              show_default=True, help="Connections in flight during the sweep.")
@click.option("--connect-timeout", type=float, default=discovery.CONNECT_TIMEOUT,
              show_default=True, help="Seconds per connect attempt.")
@click.option("--timeout", type=float, default=discovery.IDENTIFY_TIMEOUT, show_default=True,
              help="Seconds to identify one answering host.")
@click.option("--zeroconf", is_flag=True, help="Also listen 3 s for mDNS announcements.")
@config_dir_option
def scan(cidrs: Sequence[str], port: int, web_port: int, as_json: bool, concurrency: int,
         connect_timeout: float, timeout: float, zeroconf: bool, config_dir: str | None) -> None:
    """List the ASICs found in CIDRS (default: this machine's own subnets), over RPC and the
    web APIs, with the names the config gives those it watches."""
    targets = list(cidrs) or discovery.default_cidrs()
    if not targets:
        raise click.ClickException("no subnet to scan: give a CIDR, e.g. 192.168.1.0/24")
    try:
        for cidr in targets:
            ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="CIDR") from exc

    raise_fd_limit()

    async def run() -> list[discovery.Found]:
        extra: list[str] = []
        if zeroconf:
            extra = [a for hit in await discovery.browse() for a in hit.addresses]
        return await discovery.scan(targets, port, concurrency=concurrency,
                                    connect_timeout=connect_timeout, identify_timeout=timeout,
                                    extra_hosts=extra, web_port=web_port)

    found = run_async(run())
    if as_json:
        click.echo(json.dumps([item.to_json() for item in found], indent=2))
        return
    names = configcli.configured_names(config_dir)
    rows = [(f.ip, str(f.port), names.get((f.ip, f.port), "-" if f.type else ""), f.type or "?",
             f.make or "", f.model or "", humanize_hs(f.hashrate_hs) if f.type else "",
             f.firmware_version or f.error or "")
            for f in found]
    table(("IP", "PORT", "NAME", "TYPE", "MAKE", "MODEL", "HASHRATE", "FIRMWARE / ERROR"), rows)
    click.echo(f"{sum(1 for f in found if f.type)} ASIC(s) identified, {len(found)} answered, "
               f"in {', '.join(targets)}", err=True)


@asic_sentry.command()
@click.argument("ip")
@click.option("--type", "kind", type=TYPE_CHOICE, help="Firmware; default: identify it.")
@port_option
@web_port_option
@click.option("--timeout", type=float, default=5.0, show_default=True)
@config_dir_option
def probe(ip: str, kind: str | None, port: int | None, web_port: int | None, timeout: float,
          config_dir: str | None) -> None:
    """Print one normalized asics[] entry (JSON) read from the ASIC at IP (web logins: the
    config's credentials for IP, else the vendor's default)."""
    address = ip_argument(ip)
    _, asic = run_async(drivers.probe(address, port, kind, timeout=timeout, web_port=web_port,
                                      login=login_for(address, config_dir)))
    click.echo(json.dumps(asic.model_dump(mode="json"), indent=2))


@asic_sentry.command()
@click.option("--commander", "url", metavar="URL",
              help="The commander, https://HOST:PORT; several of one farm comma-separated "
                   "(tried in order when one is down). Omitted: ask, or find it on the LAN.")
@click.option("--token", envvar="MINERFARM_SENTRY_TOKEN",
              help="The ASIC rig's token (shown when the rig was created) "
                   "[env MINERFARM_SENTRY_TOKEN; prompted if neither].")
@config_dir_option
def enroll(url: str | None, token: str | None, config_dir: str | None) -> None:
    """Pin the commander's certificate, check the token, save the credentials (0600)."""
    url, token = agent_cli.ask_enrollment(url, token)
    try:
        rig = asyncio.run(enroll_asic_sentry(config_dir, url, token))
    except (CommanderError, TokenFormatError, ValueError) as exc:
        raise agent_cli.enrollment_errors(exc, sentry_cmd="minerfarm asic-sentry",
                                          other_cmd="minerfarm sentry") from exc
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Enrolled as ASIC rig {rig.get('name')!r} (id {rig.get('id')}); credentials in "
               f"{config_path(config_dir)}. Start reporting with 'minerfarm asic-sentry run'.")


@asic_sentry.command()
@click.option("--interval", "interval_s", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between polling rounds [default: the config's poll.interval_s].")
@click.option("--max-retry-delay", "max_retry_s", type=click.FloatRange(min=0.1),
              default=60.0, show_default=True,
              help="Longest wait between attempts while the commander is unreachable.")
@click.option("-v", "--verbose", is_flag=True, help="Log every report sent.")
@config_dir_option
def run(interval_s: float | None, max_retry_s: float, verbose: bool,
        config_dir: str | None) -> None:
    """Poll every ASIC each interval and report them; spool while the commander is away."""
    setup_logging(verbose)
    try:
        run_until_signal(run_asic_sentry(config_dir, interval_s, max_retry_s))
    except CommanderError as exc:
        raise agent_cli.run_errors(exc, sentry_cmd="minerfarm asic-sentry",
                                   removed="Its credentials and unsent reports were wiped"
                                   ) from exc
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


configcli.install(asic_sentry)
