"""The sentry API (``/api/v1/sentry``), protocol v1: every request carries a rig token.

:func:`blueprint` builds it (one per app): ``hello`` and ``reports`` here, and the routes of
the features that talk to sentries, each added explicitly (:mod:`..playbooks.sentry_api`,
:mod:`..actions.sentry_api`).
"""

from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, Response, g, request
from quart_schema import document_request, document_response, validate_response
from sqlalchemy import select

from minerfarm.commander.actions import sentry_api as actions
from minerfarm.commander.api.schemas import Hello
from minerfarm.commander.auth.guard import SENTRY_BLUEPRINT
from minerfarm.commander.auth.tokens import rig_for_bearer
from minerfarm.commander.db.models import Rig
from minerfarm.commander.ingest.accept import accept_reports
from minerfarm.commander.ingest.limits import rig_budget
from minerfarm.commander.playbooks import sentry_api as playbooks
from minerfarm.commander.rigs.service import rig_summary
from minerfarm.commander.state import commander_state
from minerfarm.protocol import SENTRY_PREFIX
from minerfarm.protocol.reports import ReportAck, ReportBatch


def blueprint() -> Blueprint:
    sentry_api = Blueprint(SENTRY_BLUEPRINT, __name__, url_prefix=SENTRY_PREFIX)
    sentry_api.before_request(authenticate)
    sentry_api.add_url_rule("/hello", view_func=hello, methods=["GET"])
    sentry_api.add_url_rule("/reports", view_func=post_reports, methods=["POST"])
    playbooks.register(sentry_api)
    actions.register(sentry_api)
    return sentry_api


async def authenticate() -> None:
    g.rig = await rig_for_bearer(request.headers.get("Authorization"))
    rig_budget(commander_state()).charge_request(g.rig.id)


@validate_response(Hello)
async def hello() -> dict[str, Any]:
    """Check the commander URL and token at enrollment; ``last_seq`` is the highest report
    ``seq`` the commander has stored for this rig (None before the first), so a reinstalled
    sentry numbers its reports above it rather than have them dropped as duplicates."""
    async with commander_state().db() as session:
        last_seq = await session.scalar(select(Rig.last_seq).where(Rig.id == g.rig.id))
    return {"rig": rig_summary(g.rig), "last_seq": last_seq}


@document_request(ReportBatch)
@document_response(ReportAck, 202)
async def post_reports() -> Response:
    """Queue a batch of reports durably; 202 only once it is on disk, deduplicated by seq.

    Served over HTTP by :mod:`minerfarm.commander.ingest.fastpath` (same checks, less
    framework); this route documents it and serves in-process clients.
    """
    body = await request.get_data(False, False, False)  # bytes, not kept after reading
    ack = await accept_reports(commander_state(), g.rig, body, request.mimetype)
    return Response(orjson.dumps(ack), status=202, mimetype="application/json")
