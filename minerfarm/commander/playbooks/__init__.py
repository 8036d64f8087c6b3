"""Playbooks: everything a rig is told to mine, and what it says back.

- :mod:`.store` - address templates (pools, wallets), the mining software catalog and each
  rig's playbooks: storage, and the revision bump a change causes.
- :mod:`.check` - the checks before a playbook is saved (YAML, placeholders, Ansible syntax).
- :mod:`.service` - checked saves, one playbook applied to many rigs, each rig's last runs.
- :mod:`.suggested` - the playbook a software entry suggests.
- :mod:`.variables` - what the sentry fills the placeholders with.
- :mod:`.longpoll` - ``GET /api/v1/sentry/playbooks?wait=S``.
- :mod:`.console` - miner console lines, kept per rig up to a bound.
- :mod:`.schemas`, :mod:`.api`, :mod:`.sentry_api`, :mod:`.pages` - the admin API, the
  sentry API routes and the pages of this feature.
"""
