"""``minerfarm asic-sentry add|remove|status``: the ASICs the config watches. Parses, calls,
prints; domain errors become ``click.ClickException`` here (the other commands are in
:mod:`.cli`, which shares these helpers).

Removing an ASIC only stops watching it: the ASIC sentry reads ASICs, it never controls them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Sequence
from typing import Any

import click

from minerfarm.agent import cli as agent_cli
from minerfarm.agent.session import spool_stats
from minerfarm.protocol.units import humanize_hs

from . import discovery, drivers
from .concurrency import raise_fd_limit
from .config import (
    CONFIG_DIR_ENV,
    AsicEntry,
    AsicSentryConfig,
    config_path,
    load_config,
    save_config,
)
from .config import config_dir as resolve_config_dir
from .errors import AsicError
from .poller import Poller

SENTRY_CMD = "minerfarm asic-sentry"
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
RESTART = (f"A running '{SENTRY_CMD} run' reads the config when it starts: restart it "
           "(e.g. systemctl restart minerfarm-asic-sentry).")


def install(group: click.Group) -> None:
    group.add_command(add)
    group.add_command(remove)
    group.add_command(status)


def run_async(coroutine: Any) -> Any:
    try:
        return asyncio.run(coroutine)
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


def ip_argument(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="IP") from exc


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for line in (header, *rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def login_for(ip: str, config_dir: str | None) -> drivers.Login | None:
    """The config's web login for ``ip``, if there is a config and it names one."""
    try:
        credentials = load_config(config_dir).credentials_for(ip)
    except AsicError:
        return None
    return credentials.login() if credentials else None


async def poll_once(config: AsicSentryConfig) -> list[Any]:
    poller = Poller.from_config(config)
    try:
        return await poller.poll()
    finally:
        await poller.aclose()


def configured_names(config_dir: str | None) -> dict[tuple[str, int], str]:
    """``(ip, port)`` -> the name the config gives it; none when the config cannot be read
    (a scan needs no config)."""
    try:
        config = load_config(config_dir)
    except AsicError:
        return {}
    return {(e.ip, e.port): e.name for e in config.asics if e.name}


def _load(config_dir: str | None) -> AsicSentryConfig:
    try:
        return load_config(config_dir)
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


def _save(config: AsicSentryConfig, config_dir: str | None) -> str:
    try:
        return str(save_config(config, config_dir))
    except AsicError as exc:
        raise click.ClickException(str(exc)) from exc


def _label(entry: AsicEntry) -> str:
    address = f"{entry.ip}:{entry.port}"
    return f"{entry.name} ({address})" if entry.name else address


@click.command()
@click.option("--ip", help="The ASIC's address.")
@click.option("--all-found", "cidrs", metavar="CIDR", multiple=True,
              help="Scan CIDR and add every ASIC the scan identifies (repeatable); ASICs "
                   "already in the config are left as they are.")
@click.option("--type", "kind", type=TYPE_CHOICE, help="Firmware; default: identify it.")
@port_option
@web_port_option
@click.option("--name", help="A name to show instead of the address (with --ip).")
@click.option("--timeout", type=float, default=5.0, show_default=True,
              help="Seconds to read (identify) one ASIC.")
@config_dir_option
def add(ip: str | None, cidrs: tuple[str, ...], kind: str | None, port: int | None,
        web_port: int | None, name: str | None, timeout: float, config_dir: str | None) -> None:
    """Check that the ASIC at --ip answers, then add it to the config; or add every ASIC
    found in --all-found CIDR."""
    if bool(ip) == bool(cidrs):
        raise click.UsageError("give either --ip IP or --all-found CIDR")
    if cidrs:
        if name or kind:
            raise click.UsageError("--name and --type go with --ip (one ASIC), not --all-found")
        return _add_all_found(cidrs, port or drivers.DEFAULT_PORT,
                              web_port or discovery.WEB_PORT, timeout, config_dir)
    assert ip is not None
    address = ip_argument(ip)
    backend, asic = run_async(drivers.probe(address, port, kind, timeout=timeout,
                                            web_port=web_port,
                                            login=login_for(address, config_dir)))
    config = _load(config_dir)
    new = config.add(AsicEntry(ip=address, port=port or drivers.DEFAULT_PORT,
                               web_port=web_port, type=backend.name, name=name))
    path = _save(config, config_dir)
    what = " ".join(filter(None, (asic.make, asic.model))) or backend.label
    where = f"{address}:{port}" if port else address
    shown = f"{name} ({where})" if name else where
    click.echo(f"{'added' if new else 'updated'} {shown} ({what}, "
               f"{humanize_hs(asic.hashrate_hs)}) in {path}")


def _add_all_found(cidrs: Sequence[str], port: int, web_port: int, timeout: float,
                   config_dir: str | None) -> None:
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--all-found") from exc
    config = _load(config_dir)  # before the scan: a broken config fails fast
    raise_fd_limit()
    found = run_async(discovery.scan(cidrs, port, identify_timeout=timeout, web_port=web_port))
    asics = [f for f in found if f.type]
    if not asics:
        raise click.ClickException(
            f"no ASIC identified in {', '.join(cidrs)} on port {port} ({len(found)} "
            "host(s) answered): check the subnet and --port")
    known = {(e.ip, e.port): e for e in config.asics}
    added = 0
    for item in asics:
        entry = known.get((item.ip, item.port))
        what = " ".join(filter(None, (item.make, item.model))) or item.type
        if entry is not None:
            click.echo(f"already watched {_label(entry)} ({what})")
            continue
        config.add(AsicEntry(ip=item.ip, port=item.port, type=item.type))
        added += 1
        click.echo(f"added {item.ip}:{item.port} ({what}, {humanize_hs(item.hashrate_hs)})")
    path = _save(config, config_dir) if added else str(config_path(config_dir))
    click.echo(f"{added} ASIC(s) added, {len(asics) - added} already watched, in {path}",
               err=True)


@click.command()
@click.argument("target", metavar="IP|NAME")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Only the entry on this port (an address watched on several ports).")
@config_dir_option
def remove(target: str, port: int | None, config_dir: str | None) -> None:
    """Stop watching the ASIC at IP (or named NAME): remove it from the config. The ASIC
    itself is not touched and keeps mining."""
    config = _load(config_dir)
    matches = config.matching(target, port)
    if not matches:
        raise click.ClickException(
            f"no ASIC {target!r}{f' on port {port}' if port else ''} in "
            f"{config_path(config_dir)}; '{SENTRY_CMD} status' lists them")
    if len(matches) > 1:
        listed = ", ".join(_label(e) for e in matches)
        raise click.ClickException(f"{target!r} is more than one ASIC ({listed}): give the IP "
                                   "and --port of the one to remove")
    (entry,) = matches
    config.asics.remove(entry)
    path = _save(config, config_dir)
    click.echo(f"removed {_label(entry)} from {path}: no longer watched (the ASIC keeps "
               f"mining; this sentry only reads it). {RESTART}")


@click.command()
@config_dir_option
@click.option("--poll", is_flag=True, help="Also read every ASIC once now.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: the ASICs on stdout, the uplink on stderr.")
def status(config_dir: str | None, poll: bool, as_json: bool) -> None:
    """Enrollment, the last report delivered, the spool, and the configured ASICs (with
    --poll, how they are doing)."""
    config = _load(config_dir)
    readings = run_async(poll_once(config)) if poll else [None] * len(config.asics)
    link = config.link
    uplink = {"enrolled": link is not None, **agent_cli.link_fields(link),
              **agent_cli.spool_fields(spool_stats(resolve_config_dir(config_dir)))}
    if as_json:
        click.echo(json.dumps([{"entry": e.model_dump(mode="json", exclude={"credentials"}),
                                "reading": r.model_dump(mode="json") if r else None}
                               for e, r in zip(config.asics, readings, strict=True)], indent=2))
        click.echo(json.dumps({"uplink": uplink}), err=True)
        return
    agent_cli.print_status(uplink, as_json=False, sentry_cmd=SENTRY_CMD)
    click.echo("")
    if not config.asics:
        click.echo(f"No ASIC watched yet: '{SENTRY_CMD} scan' finds them, '{SENTRY_CMD} add "
                   "--all-found CIDR' adds them.")
        return
    rows = []
    for entry, reading in zip(config.asics, readings, strict=True):
        state = "" if reading is None else (
            humanize_hs(reading.hashrate_hs) if reading.online else
            "OFFLINE " + "; ".join(reading.errors))
        rows.append((entry.name or "-", entry.ip, str(entry.port), entry.type or "?", state))
    table(("NAME", "IP", "PORT", "TYPE", "STATE" if poll else ""), rows)
    click.echo(f"{len(config.asics)} ASIC(s) in {config_path(config_dir)}", err=True)
