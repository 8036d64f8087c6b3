"""Remote actions on this rig (restart a miner, re-apply the playbooks, reboot), as the
commander sends them with the playbooks' long-poll: :mod:`.executor`."""
