"""The commander: dashboard, admin API and sentry API in one Quart app.

Library face (everything else is internal and may move):

- :func:`create_app` - the commander as an ASGI app, for any ASGI server.
- :class:`Settings` - its settings (``Settings.from_env()`` reads ``MINERFARM_*``).
- :class:`AdminClient` - an async client for the admin API; :class:`AdminApiError`.

Folders, one per feature: ``ingest/`` (HTTP -> durable queue -> database), ``rigs/``,
``reports/`` (reading stored reports), ``dashboard/`` (the in-memory farm model, rollups),
``playbooks/`` (address templates, software catalog, playbooks, long-poll, miner console),
``pages/`` (the browser pages and their live websockets), ``api/`` (the admin and sentry
JSON APIs), ``auth/``, ``db/``.
"""

from minerfarm.commander.app import create_app
from minerfarm.commander.client import AdminApiError, AdminClient
from minerfarm.commander.settings import Settings

__all__ = ["AdminApiError", "AdminClient", "Settings", "create_app"]
