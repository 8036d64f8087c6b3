"""Remote actions on CPU/GPU rigs: restart a miner, re-apply the playbooks, reboot.

- :mod:`.service` - :class:`~.service.ActionService` (``state.actions``): requests, loop
  protection, the audit log, delivery to the sentry and its acknowledgements.
- :mod:`.api` - the admin API (``/api/v1/rigs/{id}/actions``, ``/api/v1/actions``).
- :mod:`.sentry_api` - the sentry's acknowledgement route.
- :mod:`.pages` - the buttons on the rig page and the bulk form on the index.

ASICs stay read-only: their sentries are never sent an action.
"""
