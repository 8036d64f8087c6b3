"""Several commanders on one farm: NATS JetStream carries the ingest queue, NATS subjects
carry pub/sub, a NATS key-value lease picks the one commander that runs singleton jobs, and failed
logins are counted in a key-value bucket that all commanders share.

Selected by ``MINERFARM_NATS_URL`` (with PostgreSQL as the shared database):

- :mod:`.queue` — :class:`JetStreamIngestQueue`, the queue interface the SQLite queue
  implements, on a file-storage work-queue stream; one durable pull consumer shared by all.
- :mod:`.pubsub` — :class:`NatsPubSub`, the :class:`~minerfarm.commander.pubsub.PubSub`
  interface across commanders.
- :mod:`.lease` — :class:`Lease`, leadership with failover for rollups and retention.
- :mod:`.logins` — :class:`SharedLoginLimiter`, the admin-login lockouts counted across
  commanders (each still limits by itself while NATS is away).
- :mod:`.connection` — connecting, with errors a person can act on.
"""
