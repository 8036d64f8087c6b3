"""``minerfarm asic-sentry ...``: parses, calls, prints. Domain errors become
``click.ClickException`` here and nowhere else."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Sequence
from typing import Any

import click

from minerfarm.agent import cli as agent_cli
from minerfarm.agent.client import CommanderError
from minerfarm.agent.session import spool_stats
from minerfarm.protocol.tokens import TokenFormatError
from minerfarm.protocol.units import humanize_hs

from . import discovery, drivers
from .config import (
    CONFIG_DIR_ENV,
    AsicEntry,
    AsicSentryConfig,
    config_path,
    load_config,
    save_config,
)
from .config import (
    config_dir as resolve_config_dir,
)
from .errors import AsicError
from .poller import Poller
from .reporting import enroll_asic_sentry, run_asic_sentry

TYPE_CHOICE = click.Choice(drivers.BACKEND_NAMES)
config_dir_option = click.option(
    "--config-dir", type=click.Path(file_okay=False), envvar=CONFIG_DIR_ENV,
    help=f"Where the ASIC sentry keeps its config (env {CONFIG_DIR_ENV}).")
port_option = click.option(
    "--port", type=click.IntRange(1, 65535), default=None,
    help="The main API's port: cgminer RPC [4028], or the web port of a web-only family "
         "(AxeOS, Goldshell, Elphapex [80]; ePIC's HTTP [4028]).")
web_port_option = click.option(
    "--web-port", type=click.IntRange(1, 65535), default=None,
    help="The web API's port of a family with RPC too (Antminer, Braiins OS) [80].")


@click.group("asic-sentry")
def asic_sentry() -> None:
    """The ASIC sentry that watches the ASICs of one LAN."""


def _run(coroutine: Any) -> Any:
    try:
        return asyncio.run(coroutine)
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


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
def scan(cidrs: Sequence[str], port: int, web_port: int, as_json: bool, concurrency: int,
         connect_timeout: float, timeout: float, zeroconf: bool) -> None:
    """List the ASICs found in CIDRS (default: this machine's own subnets)."""
    targets = list(cidrs) or discovery.default_cidrs()
    if not targets:
        raise click.ClickException("no subnet to scan: give a CIDR, e.g. 192.168.1.0/24")
    try:
        for cidr in targets:
            ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="CIDR") from exc

    async def run() -> list[discovery.Found]:
        extra: list[str] = []
        if zeroconf:
            extra = [a for hit in await discovery.browse() for a in hit.addresses]
        return await discovery.scan(targets, port, concurrency=concurrency,
                                    connect_timeout=connect_timeout, identify_timeout=timeout,
                                    extra_hosts=extra, web_port=web_port)

    found = _run(run())
    if as_json:
        click.echo(json.dumps([item.to_json() for item in found], indent=2))
        return
    rows = [(f.ip, str(f.port), f.type or "?", f.make or "", f.model or "",
             humanize_hs(f.hashrate_hs) if f.type else "", f.firmware_version or f.error or "")
            for f in found]
    _table(("IP", "PORT", "TYPE", "MAKE", "MODEL", "HASHRATE", "FIRMWARE / ERROR"), rows)
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
    address = _ip(ip)
    _, asic = _run(drivers.probe(address, port, kind, timeout=timeout, web_port=web_port,
                                 login=_login(address, config_dir)))
    click.echo(json.dumps(asic.model_dump(mode="json"), indent=2))


@asic_sentry.command()
@click.option("--ip", required=True, help="The ASIC's address.")
@click.option("--type", "kind", type=TYPE_CHOICE, help="Firmware; default: identify it.")
@port_option
@web_port_option
@click.option("--name", help="A name to show instead of the address.")
@click.option("--timeout", type=float, default=5.0, show_default=True)
@config_dir_option
def add(ip: str, kind: str | None, port: int | None, web_port: int | None, name: str | None,
        timeout: float, config_dir: str | None) -> None:
    """Check that the ASIC at IP answers, then add it to the config."""
    address = _ip(ip)
    backend, asic = _run(drivers.probe(address, port, kind, timeout=timeout, web_port=web_port,
                                       login=_login(address, config_dir)))
    try:
        config = load_config(config_dir)
        new = config.add(AsicEntry(ip=address, port=port, web_port=web_port,
                                   type=backend.name, name=name))
        path = save_config(config, config_dir)
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc
    what = " ".join(filter(None, (asic.make, asic.model))) or backend.label
    where = f"{address}:{port}" if port else address
    click.echo(f"{'added' if new else 'updated'} {where} ({what}, "
               f"{humanize_hs(asic.hashrate_hs)}) in {path}")


@asic_sentry.command()
@config_dir_option
@click.option("--poll", is_flag=True, help="Also read every ASIC once now.")
@click.option("--json", "as_json", is_flag=True)
def status(config_dir: str | None, poll: bool, as_json: bool) -> None:
    """List the configured ASICs (and, with --poll, how they are doing)."""
    try:
        config = load_config(config_dir)
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc
    readings = _run(_poll(config)) if poll else [None] * len(config.asics)
    link = config.link
    uplink = {"enrolled": link is not None, **agent_cli.link_fields(link),
              **agent_cli.spool_fields(spool_stats(resolve_config_dir(config_dir)))}
    if as_json:
        click.echo(json.dumps([{"entry": e.model_dump(mode="json", exclude={"credentials"}),
                                "reading": r.model_dump(mode="json") if r else None}
                               for e, r in zip(config.asics, readings, strict=True)], indent=2))
        click.echo(json.dumps({"uplink": uplink}), err=True)
        return
    agent_cli.print_status(uplink, as_json=False)
    rows = []
    for entry, reading in zip(config.asics, readings, strict=True):
        state = "" if reading is None else (
            humanize_hs(reading.hashrate_hs) if reading.online else
            "OFFLINE " + "; ".join(reading.errors))
        rows.append((entry.ip, str(entry.port or "-"), entry.type or "?", entry.name or "",
                     state))
    _table(("IP", "PORT", "TYPE", "NAME", "STATE" if poll else ""), rows)
    click.echo(f"{len(config.asics)} ASIC(s) in {config_path(config_dir)}", err=True)


@asic_sentry.command()
@click.option("--commander", "url", metavar="URL",
              help="The commander, https://HOST:PORT. Omitted: ask, or find it on the LAN.")
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
    agent_cli.setup_logging(verbose)
    try:
        agent_cli.run_until_signal(run_asic_sentry(config_dir, interval_s, max_retry_s))
    except CommanderError as exc:
        raise agent_cli.run_errors(exc, sentry_cmd="minerfarm asic-sentry",
                                   removed="Its credentials and unsent reports were wiped"
                                   ) from exc
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


async def _poll(config: AsicSentryConfig) -> list[Any]:
    poller = Poller.from_config(config)
    try:
        return await poller.poll()
    finally:
        await poller.aclose()


def _login(ip: str, config_dir: str | None) -> drivers.Login | None:
    """The config's web login for ``ip``, if there is a config and it names one."""
    try:
        credentials = load_config(config_dir).credentials_for(ip)
    except AsicError:
        return None
    return credentials.login() if credentials else None


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="IP") from exc


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for line in (header, *rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
