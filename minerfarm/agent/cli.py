"""Command-line helpers of every sentry (``minerfarm sentry``, ``minerfarm asic-sentry``): the
shared errors become ``click.ClickException`` here, with messages that say what to do.

Exit status of ``run``: 0 never (it runs until stopped), 1 other errors, 3 the token is
invalid (401), 4 the rig was removed (410); systemd's units do not restart on 3 and 4.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import click

from minerfarm.agent.client import CertificateMismatch, RigRemoved, TokenInvalid
from minerfarm.agent.enrollment import WrongRigKind
from minerfarm.agent.errors import NotEnrolled
from minerfarm.agent.link import CommanderLink
from minerfarm.agent.spool import SpoolStats
from minerfarm.protocol.tokens import SentryToken, TokenFormatError

EXIT_TOKEN_INVALID = 3
EXIT_RIG_REMOVED = 4


class TokenInvalidExit(click.ClickException):
    exit_code = EXIT_TOKEN_INVALID


class RigRemovedExit(click.ClickException):
    exit_code = EXIT_RIG_REMOVED


def enrollment_errors(exc: Exception, *, sentry_cmd: str, other_cmd: str) -> click.ClickException:
    """The user-facing message for an enrollment failure."""
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


def ask_enrollment(url: str | None, token: str | None) -> tuple[str, str]:
    """``enroll``'s URL and token: as given, else prompted; an empty URL is looked up on the
    LAN (:func:`resolve_url`)."""
    if token is None:
        token = click.prompt("Rig token", hide_input=True)
    if url is None:
        url = click.prompt("Commander URL (empty: find it on the LAN)", default="",
                           show_default=False) or None
    return resolve_url(url, token), token


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


def link_fields(link: CommanderLink | None) -> dict[str, Any]:
    return {"commander": link.url if link else None,
            "rig": {"id": link.rig_id, "name": link.rig_name} if link else None}


def spool_fields(stats: SpoolStats | None) -> dict[str, Any]:
    if stats is None:
        return {"last_report_at": None, "last_report_seq": None, "spooled": 0,
                "spooled_bytes": 0, "dropped": 0}
    return {"last_report_at": _iso(stats.last_sent_at), "last_report_seq": stats.last_sent_seq,
            "spooled": stats.count, "spooled_bytes": stats.bytes, "dropped": stats.dropped,
            "oldest_spooled_at": _iso(stats.oldest)}


def print_status(info: dict[str, Any], as_json: bool, sentry_cmd: str = "minerfarm sentry"
                 ) -> None:
    """``status``: ``info`` as JSON (its shape is what scripts read), else as readable lines."""
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    for label, value in status_lines(info, sentry_cmd):
        click.echo(f"{label + ':':13} {value}")


def status_lines(info: dict[str, Any], sentry_cmd: str) -> list[tuple[str, str]]:
    """What a ``status`` dict says, in words: enrollment, config, miners, reports, spool."""
    rig = info.get("rig")
    if info.get("enrolled") and rig:
        enrolled = f"yes, as rig {rig['name']!r} (id {rig['id']}) of {info.get('commander')}"
    elif rig:
        enrolled = (f"no: the commander's certificate is not pinned; run '{sentry_cmd} "
                    "enroll' again")
    else:
        enrolled = f"no: run '{sentry_cmd} enroll'"
    lines = [("Enrolled", enrolled)]
    if "config_dir" in info:
        lines.append(("Config dir", str(info["config_dir"])))
    if "interval_s" in info:
        lines.append(("Reports", f"every {info['interval_s']:g} s"))
    if "miners" in info:
        lines.append(("Miners", ", ".join(_miner(m) for m in info["miners"])
                      or "none configured (playbooks add the miners they start)"))
    last = info.get("last_report_at")
    lines.append(("Last report", f"{last}, seq {info.get('last_report_seq')}" if last
                  else "none delivered yet"))
    lines.append(("Spool", _spool(info)))
    return lines


def _miner(entry: dict[str, Any]) -> str:
    playbook = entry.get("playbook_id")
    return (f"{entry.get('software')} at {entry.get('api_url')}"
            + (f" (playbook {playbook})" if playbook is not None else ""))


def _spool(info: dict[str, Any]) -> str:
    count, dropped = info.get("spooled") or 0, info.get("dropped") or 0
    text = "empty" if not count else (
        f"{count} report{'s' if count != 1 else ''} waiting ({info.get('spooled_bytes', 0)} "
        f"bytes), oldest from {info.get('oldest_spooled_at')}")
    if dropped:
        text += f"; {dropped} dropped (older or more than the spool keeps)"
    return text


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
