"""``minerfarm commander [--data-dir --host --port --cert --key]`` and ``set-password``."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import click

from minerfarm.commander.auth.password import ENV_PASSWORD, load_admin_password, store_password
from minerfarm.commander.datadir import ensure_data_dir
from minerfarm.commander.settings import Settings


@click.group(invoke_without_command=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data folder [env MINERFARM_DATA_DIR; default ./minerfarm-data].")
@click.option("--host", default=None, help="Listen address [MINERFARM_HOST; 0.0.0.0].")
@click.option("--port", type=int, default=None, help="HTTPS port [MINERFARM_PORT; 8443].")
@click.option("--cert", default=None, help="PEM certificate instead of the generated one.")
@click.option("--key", default=None, help="PEM private key for --cert.")
@click.option("--database-url", default=None,
              help="SQLAlchemy async URL [MINERFARM_DATABASE_URL; SQLite in the data dir].")
@click.pass_context
def commander(ctx: click.Context, data_dir: Path | None, host: str | None, port: int | None,
              cert: str | None, key: str | None, database_url: str | None) -> None:
    """Serve the commander: HTTPS dashboard, admin API and sentry API."""
    settings = Settings.from_env(data_dir=data_dir, host=host, port=port, cert=cert, key=key,
                                 database_url=database_url)
    ctx.obj = settings
    if ctx.invoked_subcommand is None:
        _serve(settings)


def _serve(settings: Settings) -> None:
    from minerfarm.commander import startup
    from minerfarm.commander.app import create_app
    from minerfarm.commander.server import hypercorn_config, serve_forever

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Everything the commander writes (database, queue, WAL files) is for its owner only.
    os.umask(0o077)
    try:
        # Before Hypercorn: a broken data dir, certificate, port, queue or database is said in
        # one line here, not as a lifespan failure (or a minute-long lifespan timeout) there.
        ready = startup.check_all(settings)
        password, generated = load_admin_password(settings.data_dir)
    except startup.StartupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read or write {exc.filename or settings.data_dir}: "
                                   f"{exc.strerror or exc}") from None
    if generated:
        click.echo(f"Generated admin password (shown once; change it with "
                   f"'minerfarm commander set-password'): {generated}")
    app = create_app(settings, password, ready.fingerprint)
    click.echo(f"minerfarm commander on https://{settings.host}:{settings.port} "
               f"(certificate SHA-256 {ready.fingerprint.hex()})", err=True)
    try:
        asyncio.run(serve_forever(app, hypercorn_config(settings, ready.tls)))
    except startup.StartupError as exc:
        raise click.ClickException(str(exc)) from None


@commander.command("set-password")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new admin password (prompted if omitted).")
@click.pass_obj
def set_password(settings: Settings, password: str) -> None:
    """Store a new admin password (hashed) and log out every browser."""
    if len(password) < 8:
        raise click.ClickException("use at least 8 characters")
    ensure_data_dir(settings.data_dir)
    store_password(settings.data_dir, password)
    _clear_sessions(settings)
    if os.environ.get(ENV_PASSWORD):
        click.echo(f"note: {ENV_PASSWORD} is set and wins over the stored password", err=True)
    click.echo("Admin password stored (a running commander uses it from the next login on); "
               "every browser session was logged out.")


def _clear_sessions(settings: Settings) -> None:
    from sqlalchemy import delete

    from minerfarm.commander.db.engine import make_engine
    from minerfarm.commander.db.migrate import upgrade
    from minerfarm.commander.db.models import AdminSession

    url = settings.resolved_database_url
    upgrade(url)

    async def clear() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(delete(AdminSession))
        await engine.dispose()

    asyncio.run(clear())


@commander.command("metrics-token")
@click.pass_obj
def metrics_token(settings: Settings) -> None:
    """Make the bearer token a Prometheus server scrapes /metrics with (shown once; any
    earlier token stops working)."""
    from minerfarm.commander.metrics.token import new_token

    ensure_data_dir(settings.data_dir)
    token = new_token(settings.data_dir)
    click.echo(token)
    click.echo("Put it in Prometheus' scrape config as authorization credentials (or "
               "credentials_file); it is stored hashed and cannot be shown again.", err=True)
