"""What every sentry shares (the CPU/GPU sentry, :mod:`minerfarm.sentry`, and the ASIC
sentry, :mod:`minerfarm.asic`): the way to the commander, from enrollment to the 410 wipe.
Each sentry passes its own names (:class:`~minerfarm.agent.session.AgentFiles`) and keeps only
what is its own (collectors, miners and playbooks; discovery, drivers and poller).

Modules::

    client       CommanderClient: protocol v1 over pinned HTTPS, errors translated once
    enrollment   pin the commander's certificate, check the token (GET /hello)
    spool        the durable outbox (SQLite) and the ``seq`` counter
    uplink       spool every report, send in order, back off; 401/410 end it
    link         CommanderLink (the ``commander`` object of a config) and AgentConfig
    configfile   config dir resolution; load/save of the config file (0600, atomic)
    session      enroll into a config dir; report until 401/410, wipe on 410; spool stats
    cli          CLI helpers: messages, exit codes 3/4, signals, logging, URL lookup, status
    errors       the core's own errors

Errors, two trees. Talking to the commander (:mod:`.client`)::

    CommanderError
    ├── CommanderUnreachable   network error, timeout, 5xx, 429: retry later (spool meanwhile)
    ├── TokenInvalid           401: stop, re-enroll
    ├── RigRemoved             410: clean up, stop, wait for a new token
    ├── CertificateMismatch    not the pinned certificate
    ├── RequestRejected        another 4xx
    └── WrongRigKind           (enrollment) the token is for a rig of the other kind

The core's own (:mod:`.errors`; each sentry subclasses them into its own tree)::

    AgentError
    ├── ConfigFileError        the config file cannot be read, written or understood
    └── NotEnrolled            no commander credentials yet

Not here: the wire itself (:mod:`minerfarm.protocol`) and asyncio helpers
(:mod:`minerfarm.aio`: Backoff, task groups).
"""
