"""Start-up checks, run by ``minerfarm commander`` before Hypercorn starts.

Each check turns a broken environment (data dir, certificate, port, ingest queue, database)
into a :class:`StartupError`: one line naming the file or URL (passwords masked) and a hint
saying what to do. The CLI prints it and exits non-zero; no traceback reaches the console.
Checking here, before serving, keeps these errors out of the ASGI lifespan, where Hypercorn
would report them as a "lifespan failure" (or, for a database that never answers, as a
lifespan timeout after a minute).

Errors::

    StartupError
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sqlite3
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InvalidRequestError, NoSuchModuleError

from minerfarm.commander.datadir import ensure_data_dir
from minerfarm.commander.settings import Settings
from minerfarm.commander.tls import TlsFiles, certificate_fingerprint, ensure_tls


class StartupError(Exception):
    """The commander cannot start: ``message`` says what failed, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return f"{self.message}\n  {self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class Ready:
    """What the checks found, for the CLI to serve with."""

    tls: TlsFiles
    fingerprint: bytes


def check_all(settings: Settings) -> Ready:
    """Every check, cheapest first; raises :class:`StartupError` at the first problem."""
    check_data_dir(settings.data_dir)
    tls, fingerprint = check_tls(settings)
    check_port(settings.host, settings.port)
    if settings.nats_url:
        check_nats(settings)
    else:
        check_queue_file(settings.queue_path)
    check_database(settings.resolved_database_url, settings.database_timeout_s)
    return Ready(tls, fingerprint)


# -- data dir --------------------------------------------------------------------------
def check_data_dir(path: Path) -> None:
    try:
        ensure_data_dir(path)
    except OSError as exc:
        raise StartupError(
            f"cannot create the data dir {path}: {_reason(exc)}",
            "pass --data-dir (or MINERFARM_DATA_DIR) with a folder this user can create "
            "and write",
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise StartupError(f"the data dir {path} is not writable by this user",
                           "fix its owner or permissions, or pass another --data-dir")


# -- TLS -------------------------------------------------------------------------------
def check_tls(settings: Settings) -> tuple[TlsFiles, bytes]:
    given = bool(settings.cert or settings.key)
    try:
        tls = ensure_tls(settings.data_dir, settings.cert, settings.key)
    except ValueError as exc:  # --cert without --key or the reverse
        raise StartupError(str(exc), "give both --cert and --key (or neither: a "
                           "certificate is generated in the data dir)") from None
    except OSError as exc:
        raise StartupError(f"cannot write the TLS certificate in {settings.data_dir / 'tls'}: "
                           f"{_reason(exc)}", "fix the data dir's permissions") from None
    cert_source = "--cert / MINERFARM_CERT" if given else "generated on first start"
    key_source = "--key / MINERFARM_KEY" if given else "generated on first start"
    pem = _read(tls.cert, "certificate", cert_source)
    _read(tls.key, "private key", key_source)
    try:
        fingerprint = certificate_fingerprint(pem)
    except ValueError:
        raise StartupError(f"the certificate {tls.cert} ({cert_source}) is not a PEM "
                           "certificate", _tls_hint(given)) from None
    try:
        # What Hypercorn will do: also proves that the key belongs to the certificate.
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(tls.cert, tls.key)
    except ssl.SSLError as exc:
        raise StartupError(f"the private key {tls.key} ({key_source}) does not fit the "
                           f"certificate {tls.cert}: {exc.reason or exc}",
                           _tls_hint(given)) from None
    return tls, fingerprint


def _read(path: Path, what: str, source: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        problem = "does not exist"
    except OSError as exc:
        problem = f"cannot be read: {_reason(exc)}"
    raise StartupError(f"the {what} file {path} ({source}) {problem}",
                       "give the path of a readable PEM file")


def _tls_hint(given: bool) -> str:
    if given:
        return "give a PEM certificate and its PEM private key (unencrypted)"
    return ("move the data dir's tls/ folder aside to generate a new certificate "
            "(sentries pin the old one: enroll them again)")


# -- port ------------------------------------------------------------------------------
def check_port(host: str, port: int) -> None:
    """Bind the address as Hypercorn will (SO_REUSEADDR), then let it go."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise port_error(host, port, exc) from None


def port_error(host: str, port: int, exc: OSError) -> StartupError:
    if exc.errno == errno.EADDRINUSE:
        return StartupError(f"port {port} on {host} is in use (another commander?); "
                            "stop it or pass --port")
    if exc.errno == errno.EACCES:
        return StartupError(f"port {port} on {host} needs privileges this user lacks",
                            "pass --port 1024 or above (the default is 8443)")
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return StartupError(f"cannot listen on {host}: {_reason(exc)}",
                            "pass --host with an address of this machine, or 0.0.0.0 for all")
    return StartupError(f"cannot listen on {host} port {port}: {_reason(exc)}")


# -- ingest queue ----------------------------------------------------------------------
def check_queue_file(path: Path) -> None:
    """The queue holds acknowledged reports not yet in the database: a queue that cannot be
    written would answer every report with 500, one that is corrupt may lose them. Never
    delete it here: say where it is and how to keep what it holds."""
    folder = path.parent
    if not path.exists():
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StartupError(f"cannot create the ingest queue {path}: the folder is not "
                               "writable", "fix the data dir's owner or permissions")
        return
    read_only = StartupError(
        f"the ingest queue {path} is read-only for this user",
        f"fix its owner or permissions (the file and its folder {folder} must be writable "
        "by the user running the commander)")
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(folder, os.W_OK | os.X_OK):
        raise read_only
    corrupt_hint = (f"move it aside (mv {path} {path}.corrupt) and start again; the "
                    "reports it holds were acknowledged but are not stored yet: salvage them "
                    f"with: sqlite3 {path}.corrupt .recover")
    try:
        connection = sqlite3.connect(path, timeout=10)
    except sqlite3.Error as exc:
        raise StartupError(f"cannot open the ingest queue {path}: {exc}",
                           "fix its owner or permissions") from None
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise StartupError(f"the ingest queue {path} is corrupt ({rows[0][0]})",
                               corrupt_hint)
        # A write transaction, rolled back: proves the file (and its journal) can be written.
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        detail = str(exc)
        if "readonly" in detail or "read-only" in detail:
            raise read_only from None
        if "locked" in detail or "busy" in detail:
            raise StartupError(f"the ingest queue {path} is locked by another process "
                               "(another commander on this data dir?)",
                               "stop it, or give this one its own --data-dir") from None
        raise StartupError(f"the ingest queue {path} is corrupt ({detail})",
                           corrupt_hint) from None
    finally:
        connection.close()


# -- NATS ------------------------------------------------------------------------------
def check_nats(settings: Settings) -> None:
    """Several commanders need a database they all reach, and a NATS with JetStream."""
    from minerfarm.commander.nats.connection import NatsUnavailable, connect

    if not settings.database_url.startswith("postgresql"):
        raise StartupError(
            "MINERFARM_NATS_URL is set, but the database is SQLite in this commander's data "
            "dir, which no other commander can reach",
            "set MINERFARM_DATABASE_URL=postgresql+asyncpg://user@host/minerfarm (the same "
            "on every commander), or unset MINERFARM_NATS_URL for one commander")

    async def probe() -> None:
        client = await connect(settings.nats_url, settings.database_timeout_s, "minerfarm-check")
        await client.close()

    try:
        asyncio.run(probe())
    except NatsUnavailable as exc:
        raise StartupError(str(exc), "sentries keep their reports until the commander "
                           "starts") from None


# -- database --------------------------------------------------------------------------
def check_database(url: str, timeout_s: float) -> None:
    """Connect and ask one query within ``timeout_s``, then apply the migrations."""
    from minerfarm.commander.db.migrate import upgrade

    parsed = _parse_url(url)
    _check_sqlite_folder(parsed)
    try:
        asyncio.run(_probe(url, timeout_s))
    except TimeoutError:
        raise StartupError(
            f"the database at {_where(parsed)} did not answer within {timeout_s:g} s "
            f"({_masked(parsed)})",
            "check the host and port in --database-url (is that PostgreSQL?), or raise "
            "MINERFARM_DATABASE_TIMEOUT_S") from None
    except Exception as exc:
        raise database_error(parsed, exc) from None
    try:
        upgrade(url)
    except Exception as exc:
        raise database_error(parsed, exc, "updating its schema") from None


async def _probe(url: str, timeout_s: float) -> None:
    from minerfarm.commander.db.engine import make_engine

    engine = make_engine(url)
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def _parse_url(url: str) -> URL:
    example = ("e.g. postgresql+asyncpg://user:password@host:5432/minerfarm, or leave it "
               "empty for SQLite in the data dir")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StartupError("--database-url (MINERFARM_DATABASE_URL) is not a database URL",
                           example) from None
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise StartupError(f"unknown database driver '{parsed.drivername}' in "
                           f"{_masked(parsed)}", example) from None
    if not getattr(dialect, "is_async", False):
        raise StartupError(f"the database driver '{parsed.drivername}' in {_masked(parsed)} "
                           "is not an asyncio driver", example)
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        package = exc.name or parsed.get_driver_name()
        install = ("pip install 'minerfarm[postgres]' (or pip install asyncpg)"
                   if package == "asyncpg" else f"pip install {package}")
        raise StartupError(f"the database driver {package} for {_masked(parsed)} is not "
                           "installed", f"install it: {install}") from None
    return parsed


def _check_sqlite_folder(parsed: URL) -> None:
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database or "")
    folder = path.parent
    if not folder.is_dir():
        raise StartupError(f"the folder {folder} of the SQLite database {path} does not exist",
                           "create it, or fix the path in --database-url")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and
                                                    not os.access(path, os.R_OK | os.W_OK)):
        raise StartupError(f"the SQLite database {path} is read-only for this user (it and "
                           f"its folder {folder} must be writable: SQLite writes its WAL "
                           "beside it)",
                           "fix the owner or permissions, or point --database-url elsewhere")


# SQLSTATE classes PostgreSQL answers with, and what to do about each.
_SQLSTATES = {
    "28P01": ("refused the password for user '{user}'",
              "check the user and password in --database-url"),
    "28000": ("refused user '{user}'",
              "check the user name in --database-url (and pg_hba.conf on the server)"),
    "3D000": ("has no database '{database}'",
              "create it (createdb {database}), or fix the name in --database-url"),
    "42501": ("refused user '{user}' a needed permission",
              "grant the user the right to create tables in that database"),
    "53300": ("has too many connections", "raise max_connections, or close other clients"),
    "57P03": ("is starting up or shutting down", "wait for it, then start again"),
}


def database_error(parsed: URL, exc: BaseException, doing: str = "connecting") -> StartupError:
    where = _where(parsed)
    masked = _masked(parsed)
    for cause in _chain(exc):
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state in _SQLSTATES:
            problem, hint = _SQLSTATES[state]
            return StartupError(
                f"the database server at {where} " + problem.format(user=parsed.username or "",
                                                             database=parsed.database or "")
                + f" ({masked})",
                hint.format(database=parsed.database or ""))
        if isinstance(cause, socket.gaierror):
            return StartupError(f"unknown database host '{parsed.host}' ({masked})",
                                "check the host name in --database-url")
        if isinstance(cause, ConnectionRefusedError):
            return StartupError(f"the database server at {where} refused the connection ({masked})",
                                "is the database running and listening there? check the host "
                                "and port in --database-url")
        if isinstance(cause, TimeoutError):
            return StartupError(f"the database at {where} did not answer ({masked})",
                                "check the host and port in --database-url")
        if isinstance(cause, InvalidRequestError) and "async" in str(cause):
            return StartupError(f"the database driver in {masked} is not an asyncio driver",
                                "use postgresql+asyncpg:// or sqlite+aiosqlite://")
        if isinstance(cause, sqlite3.Error):
            return _sqlite_error(parsed, cause)
        if isinstance(cause, OSError):
            return StartupError(f"cannot reach the database at {where}: {_reason(cause)} "
                                f"({masked})", "check the host and port in --database-url")
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return StartupError(f"the database at {where} failed while {doing}: {first_line} "
                        f"({masked})")


def _sqlite_error(parsed: URL, error: sqlite3.Error) -> StartupError:
    path, detail = parsed.database, str(error)
    if "readonly" in detail:
        return StartupError(f"the SQLite database {path} is read-only for this user",
                            "fix its owner or permissions (and its folder's)")
    if "not a database" in detail or "malformed" in detail:
        return StartupError(f"the SQLite database {path} is corrupt ({detail})",
                            f"restore it from a backup, or move it aside (mv {path} "
                            f"{path}.corrupt) to start with an empty one")
    return StartupError(f"cannot open the SQLite database {path}: {detail}",
                        "check the path and its folder's permissions")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it: SQLAlchemy wraps the driver's error in ``orig``."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None,
                    current.__cause__, current.__context__]


def _masked(parsed: URL) -> str:
    return parsed.render_as_string(hide_password=True)


def _where(parsed: URL) -> str:
    if parsed.drivername.startswith("sqlite"):
        return parsed.database or ":memory:"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
