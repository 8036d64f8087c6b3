"""Ingest: HTTP -> durable queue -> database, never straight to the database.

``POST /reports`` validates a batch and hands it to :class:`~.queue.SqliteIngestQueue`, which
answers only once the batch is committed to disk (and deduplicated on ``(rig, seq)``). The
:class:`~.consumer.IngestConsumer` drains the queue in batches into the database, idempotently,
then publishes what changed. A process killed at any moment loses no acknowledged report and
stores none twice: the queue keeps a message until its reports are committed, and the
database's unique ``(rig_id, seq)`` turns a replay after a crash into a no-op.
"""
