"""The commander's Quart application: ``create_app(settings, ...)``.

Start-up (``before_serving``) applies migrations, opens the database and the ingest queue and
starts the queue consumer; shutdown stops the consumer, flushes pending queue writes and closes
everything. Embedders can serve the returned app with any ASGI server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

import orjson
from quart import Quart, request
from quart.sessions import SessionInterface
from quart_auth import QuartAuth
from quart_schema import QuartSchema

from minerfarm import __version__, gc_tuning
from minerfarm.commander import alerts, errors, headers, pages, topics
from minerfarm.commander.actions.api import actions_api
from minerfarm.commander.actions.pages import action_pages
from minerfarm.commander.actions.service import ActionService
from minerfarm.commander.alerts.api import alerts_api
from minerfarm.commander.alerts.pages import alert_pages
from minerfarm.commander.api import sentry as sentry_api
from minerfarm.commander.api.admin import admin_api
from minerfarm.commander.api.ids import RowId
from minerfarm.commander.auth import guard
from minerfarm.commander.auth.csrf import csrf_token
from minerfarm.commander.auth.password import AdminPassword, load_admin_password
from minerfarm.commander.auth.ratelimit import LoginLimiter
from minerfarm.commander.auth.sessions import AdminUser
from minerfarm.commander.auth.tokens import TokenCache
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.rollups import run_rollups
from minerfarm.commander.datadir import ensure_data_dir, session_secret, shared_session_secret
from minerfarm.commander.db.engine import make_engine, make_sessionmaker
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import read_json
from minerfarm.commander.events.api import events_api
from minerfarm.commander.events.pages import event_pages
from minerfarm.commander.events.recorder import EventRecorder
from minerfarm.commander.health.assess import HealthLimits
from minerfarm.commander.ingest import deadletter
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.fastpath import ReportsFastPath
from minerfarm.commander.ingest.queue import SqliteIngestQueue
from minerfarm.commander.metrics import route as metrics_route
from minerfarm.commander.metrics.token import MetricsToken
from minerfarm.commander.pages import fragments
from minerfarm.commander.playbooks.api import playbooks_api
from minerfarm.commander.playbooks.pages import playbook_pages
from minerfarm.commander.pubsub import InProcessPubSub, PubSub
from minerfarm.commander.settings import Settings
from minerfarm.commander.state import EXTENSION, CommanderState
from minerfarm.commander.tags.api import tags_api
from minerfarm.commander.tls import ensure_tls

log = logging.getLogger(__name__)


def create_app(settings: Settings, password: AdminPassword | None = None,
               fingerprint: bytes | None = None, pubsub: PubSub | None = None) -> Quart:
    """The commander as an ASGI app. Without ``password`` it is read as the CLI reads it
    (``MINERFARM_PASSWORD``, else the stored hash; a first start generates one and logs it
    once); without ``fingerprint``, the data dir's TLS certificate (made on first start, or
    ``settings.cert``) is the one sentry tokens pin."""
    ensure_data_dir(settings.data_dir)
    if fingerprint is None:
        fingerprint = ensure_tls(settings.data_dir, settings.cert, settings.key).fingerprint
    if password is None:
        password, generated = load_admin_password(settings.data_dir)
        if generated:
            log.warning("generated admin password (shown once): %s", generated)
    password.concurrency = max(1, settings.login_concurrency)
    app = Quart("minerfarm.commander", static_folder=None)
    app.url_map.converters["int"] = RowId  # before any route: ids beyond a row's are 404
    app.secret_key = (
        shared_session_secret(ensure_tls(settings.data_dir, settings.cert, settings.key).key)
        if settings.nats_url else session_secret(settings.data_dir))
    # Quart's cookie session is unused (quart-auth keeps its own cookie): skip opening it on
    # every request, sentry reports included.
    app.session_interface = NoSession()  # type: ignore[assignment]
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        QUART_AUTH_COOKIE_NAME="mf_session",
        QUART_AUTH_COOKIE_SAMESITE="Strict",
        QUART_AUTH_COOKIE_SECURE=True,
        QUART_AUTH_SALT="minerfarm admin session",
        BODY_TIMEOUT=settings.body_timeout_s,
    )
    pubsub = pubsub or InProcessPubSub()
    state = CommanderState(
        settings=settings, password=password, fingerprint=fingerprint,
        limiter=LoginLimiter(settings.login_attempts, settings.login_backoff_max_s),
        pubsub=pubsub, token_cache=TokenCache(),
        metrics_token=MetricsToken(settings.data_dir),
        # (state.db exists once serving: the lambda reads it then)
        actions=ActionService(lambda: state.db(), pubsub, settings),
    )
    app.extensions[EXTENSION] = state
    # Quart types asgi_app with its own scope unions; the fast path speaks plain ASGI dicts.
    app.asgi_app = ReportsFastPath(app.asgi_app, state)  # type: ignore[method-assign,assignment,arg-type]
    AdminAuth(app, user_class=AdminUser)
    # The browsable docs UIs load scripts from a CDN: farms are often offline, so only the
    # OpenAPI document itself is served.
    QuartSchema(app, openapi_path="/openapi.json", redoc_ui_path=None, scalar_ui_path=None,
                swagger_ui_path=None,
                info={"title": "minerfarm commander", "version": __version__})
    app.jinja_env.globals["csrf_token"] = csrf_token
    # Every route the commander serves, registered here and only here.
    app.register_blueprint(pages.blueprint())
    app.register_blueprint(playbook_pages)
    app.register_blueprint(admin_api)
    app.register_blueprint(playbooks_api)
    app.register_blueprint(tags_api)
    app.register_blueprint(alerts_api)
    app.register_blueprint(alert_pages)
    app.register_blueprint(actions_api)
    app.register_blueprint(action_pages)
    app.register_blueprint(events_api)
    app.register_blueprint(event_pages)
    app.register_blueprint(sentry_api.blueprint())
    app.register_blueprint(metrics_route.blueprint())
    fragments.install(app)
    alerts.install(app)
    errors.register(app)  # its body check runs first: the guard reads forms (CSRF) too
    guard.install(app)
    headers.install(app)
    _lifecycle(app, state)
    return app


class AdminAuth(QuartAuth):
    """quart-auth, minus its cookie bookkeeping on sentry requests (they never carry one)."""

    async def after_request(self, response: Any) -> Any:
        if request.blueprint == guard.SENTRY_BLUEPRINT:
            return response
        return await super().after_request(response)


class NoSession(SessionInterface):
    async def open_session(self, app: Quart, request: Any) -> None:
        return None

    async def save_session(self, app: Quart, session: Any, response: Any) -> None:
        return None


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _lifecycle(app: Quart, state: CommanderState) -> None:
    tasks: list[asyncio.Task[None]] = []

    @app.before_serving
    async def start() -> None:
        url = state.settings.resolved_database_url
        await upgrade_async(url)
        state.engine = make_engine(url, json_serializer=_json_dumps,
                                   json_deserializer=read_json)
        state.sessions = make_sessionmaker(state.engine)
        engine = state.engine

        async def rollups() -> None:
            await run_rollups(engine, state.settings)

        nats_parts = None
        if state.settings.nats_url:  # several commanders: queue, bus and jobs on NATS
            from minerfarm.commander.nats.wiring import open_nats

            nats_parts = await open_nats(state.settings, state.engine)
            app.extensions["minerfarm.nats"] = nats_parts
            state.queue, state.pubsub = nats_parts.queue, nats_parts.pubsub
            state.limiter = nats_parts.logins  # guesses counted across all commanders
            state.actions.pubsub = nats_parts.pubsub  # wakes long-polls on every commander
        else:
            engine = state.engine
            state.queue = SqliteIngestQueue(
                state.settings.queue_path, state.settings.queue_synchronous,
                poison=lambda data, why: deadletter.bury_message(engine, data, why))
        state.consumer = IngestConsumer(state.queue, state.engine, state.pubsub,
                                        state.settings.ingest_batch)  # 0: the queue's own
        tasks.append(asyncio.create_task(state.consumer.run(), name="ingest-consumer"))
        tasks.append(asyncio.create_task(_prune_seen(state), name="ingest-prune"))
        if state.settings.advertise:
            from minerfarm.commander import zeroconf_advert

            advertiser = zeroconf_advert.Advertiser(zeroconf_advert.service_info(
                state.settings.port, state.fingerprint,
                zeroconf_advert.advertised_addresses(state.settings.host)))
            advertiser.start()
            app.extensions["minerfarm.zeroconf"] = advertiser
        # A rig renamed, deleted or given a new token through any commander: cached tokens
        # go at once (on this commander the service clears them too).
        state.pubsub.observe(
            [topics.rig_index(kind) for kind in ("cpu_gpu", "asic")],
            lambda message: state.token_cache.clear()
            if message.event in ("updated", "deleted") else None)
        state.aggregator = FarmAggregator(
            state.settings.offline_after_s, state.settings.clock_skew_flag_s,
            HealthLimits(state.settings.gpu_hot_c, state.settings.gpu_mem_hot_c))
        await state.aggregator.follow(state.pubsub, state.sessions)
        events = state.events = EventRecorder(
            state.engine, state.pubsub, state.aggregator, state.settings.event_retention_days,
            min(5.0, max(0.5, state.settings.offline_after_s / 6)))
        events.start()  # after the farm model: it reads the digests the model applied
        alert_engine = await alerts.start(state)

        async def write_events() -> None:
            events.writing = True
            try:
                await events.run()
            finally:
                events.writing = False

        async def singleton_jobs() -> None:  # one commander at a time, with NATS
            await asyncio.gather(rollups(), alert_engine.run(), write_events())

        if nats_parts is not None:
            events.writing = False  # until this commander holds the lease
            tasks.append(asyncio.create_task(nats_parts.jobs.run(singleton_jobs),
                                             name="singleton-jobs"))
        else:
            tasks.append(asyncio.create_task(events.run(), name="events"))
            tasks.append(asyncio.create_task(alert_engine.run(), name="alerts"))
            tasks.append(asyncio.create_task(rollups(), name="rollups"))
        tasks.append(asyncio.create_task(fragments.warm(app), name="dashboard-warm-up"))
        gc_tuning.tune_gc()  # the consumer's batches, see the module
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk it every few seconds under load
        # (~100 ms pauses, seen as the acknowledgement latency's p99).
        gc.freeze()

    @app.after_serving
    async def stop() -> None:
        advertiser = app.extensions.pop("minerfarm.zeroconf", None)
        if advertiser is not None:
            await advertiser.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()
        await alerts.stop(state)
        if state.queue is not None:
            await state.queue.close()
        await state.pubsub.close()
        nats_parts = app.extensions.pop("minerfarm.nats", None)
        if nats_parts is not None:
            await nats_parts.close()
        if state.engine is not None:
            await state.engine.dispose()


async def _prune_seen(state: CommanderState) -> None:
    while True:
        if state.queue is not None:
            await state.queue.prune_seen()
        await asyncio.sleep(3600)
