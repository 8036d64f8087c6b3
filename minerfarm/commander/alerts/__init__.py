"""Alerts: rules over the farm model, their lifecycle, notifications through apprise.

- :mod:`.rules` - the rule kinds (one registry) and the :class:`~.rules.Snapshot` they read.
- :mod:`.snapshots` - digests of the farm model to snapshots.
- :mod:`.engine` - the tick: pending -> firing -> resolved, stored, notified.
- :mod:`.history` - every state change of an alert is recorded through one function.
- :mod:`.notify` - per-channel outboxes, grouping, retries; apprise in a thread.
- :mod:`.store`, :mod:`.api`, :mod:`.pages` - what the admin API and the Alerts page do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from quart import Quart

from minerfarm.commander.alerts.engine import AlertEngine
from minerfarm.commander.alerts.notify import Notifier
from minerfarm.commander.alerts.store import ENGINE
from minerfarm.commander.state import EXTENSION, CommanderState


class Firing(NamedTuple):
    message: str
    started_at: datetime | None


def install(app: Quart) -> None:
    """``firing_alerts(rig_id, subject=None)`` for the rig and ASIC pages' templates: read from
    the farm model, which every commander keeps from the alert engine's messages (the engine
    itself runs on one commander at a time)."""

    def firing_alerts(rig_id: int, subject: str | None = None) -> list[Firing]:
        farm = app.extensions[EXTENSION].aggregator
        digest = farm.rigs.get(rig_id) if farm is not None else None
        if digest is None:
            return []
        found = [Firing(message, since) for alert_id, (message, since) in digest.alerts.items()
                 if subject is None or digest.alert_subjects.get(alert_id) == subject]
        return sorted(found, key=lambda f: f.started_at or datetime.min.replace(tzinfo=UTC))

    app.jinja_env.globals["firing_alerts"] = firing_alerts


async def start(state: CommanderState) -> AlertEngine:
    """Build and load the engine (after the farm model is loaded); the caller runs ``run``."""
    assert state.sessions is not None and state.aggregator is not None
    notifier = Notifier(state.settings.farm_name, state.settings.alert_group_window_s)
    engine = AlertEngine(state.settings, state.sessions, state.aggregator, state.pubsub,
                         notifier, app_state=state)
    notifier.settle = engine.clear_outbox  # delivered (or given up on): out of the outbox
    await engine.start()
    state.extras[ENGINE] = engine
    actions = getattr(state, "actions", None)
    if actions is not None:  # the watchdog's loop protection gave up: tell the rule's channels
        actions.on_gave_up.append(engine.gave_up)
    return engine


async def stop(state: CommanderState) -> None:
    engine = state.extras.pop(ENGINE, None)
    if isinstance(engine, AlertEngine):
        await engine.notifier.close()
