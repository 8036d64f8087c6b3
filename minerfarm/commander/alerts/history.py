"""Every change of an alert's state goes through :func:`record`: its history row, the log, and
the ``alerts`` topic (the Alerts page, and the rigs' event logs, which follow it)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander import topics
from minerfarm.commander.db.models import AlertEvent

log = logging.getLogger(__name__)
TOPIC = topics.ALERTS


def record(session: AsyncSession, *, alert_id: int | None, rule_id: int, rig_id: int,
           state: str, message: str, at: datetime, value: float | None = None) -> dict[str, Any]:
    """Add the history row to ``session`` (committed with the alert itself); returns what
    the caller publishes on :data:`TOPIC` once committed."""
    session.add(AlertEvent(alert_id=alert_id, rule_id=rule_id, rig_id=rig_id, state=state,
                           value=value, message=message, at=at))
    log.info("alert %s: %s", state, message)
    return {"id": alert_id, "rule_id": rule_id, "rig_id": rig_id, "state": state,
            "message": message, "at": at.isoformat()}
