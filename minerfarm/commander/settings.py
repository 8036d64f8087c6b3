"""Commander settings, declared once: name, default, help. ``MINERFARM_<NAME>`` overrides.

Order of precedence: command-line option > environment variable > default.
``tests/test_settings_documented.py`` checks that every setting appears in README.md.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "MINERFARM_"


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = setting(
        Path("minerfarm-data"),
        "Folder of the database, ingest queue, TLS key and certificate, session secret (0700).",
    )
    host: str = setting("0.0.0.0", "Address to listen on.")  # noqa: S104 - a LAN server
    port: int = setting(8443, "HTTPS port.")
    database_url: str = setting(
        "",
        "SQLAlchemy async URL of the database; empty means SQLite in the data dir "
        "(e.g. postgresql+asyncpg://user@host/minerfarm for big farms).",
    )
    database_timeout_s: int = setting(
        10,
        "Seconds start-up waits for the database to connect and answer a first query before "
        "it stops with an error.",
    )
    cert: str = setting("", "PEM certificate to serve instead of the generated self-signed one.")
    key: str = setting("", "PEM private key for --cert.")
    max_body_bytes: int = setting(1024 * 1024, "Largest request body accepted (413 above).")
    session_recheck_s: float = setting(
        15.0, "How often an open live page checks that its login session still exists (after a "
              "logout or set-password it is sent to the login page), in seconds."
    )
    body_timeout_s: int = setting(
        30, "Longest a request body may take to arrive, in seconds (408 and the connection "
            "closed after): a client trickling bytes cannot hold a connection for good."
    )
    queue_synchronous: str = setting(
        "FULL",
        "SQLite synchronous mode of the ingest queue: FULL survives power loss, NORMAL only "
        "a killed process (faster on slow disks).",
    )
    nats_url: str = setting(
        "",
        "NATS server with JetStream (nats://host:4222); set, the ingest queue is a JetStream "
        "stream and pub/sub runs on NATS, so several commanders serve one farm (needs "
        "MINERFARM_DATABASE_URL on PostgreSQL).",
    )
    nats_prefix: str = setting(
        "minerfarm", "Name prefix of the NATS stream, consumer, subjects and key-value "
                     "buckets (leases, login limits; two farms on one NATS use two prefixes).")
    nats_duplicate_window_s: int = setting(
        120, "JetStream's duplicate window for reports, in seconds (older resends are checked "
             "against the database).")
    nats_queue_max_bytes: int = setting(
        8 * 1024**3, "Largest size of the JetStream ingest stream; when full, sentries get 503 "
                     "and keep their reports.")
    nats_ack_wait_s: int = setting(
        30, "Seconds before JetStream delivers a report again that a commander took but did "
            "not store (it was killed).")
    lease_ttl_s: int = setting(
        15, "With NATS: seconds after which another commander takes over the singleton jobs "
            "(rollups, retention) from one that stopped.")
    ingest_batch: int = setting(
        0, "Most queued POSTs (usually one report each) the consumer writes per transaction; "
        "0: the queue's own (50,000 on the SQLite queue, 20,000 on NATS JetStream). While a "
        "backlog drains, a batch and the one read ahead hold about 2 KB of memory per report "
        "(~190 MB at 50,000).")
    login_attempts: int = setting(5, "Failed logins from one address before backoff starts.")
    login_backoff_max_s: int = setting(900, "Longest login lockout, in seconds.")
    login_concurrency: int = setting(
        1, "Password checks (argon2, ~50-90 ms of CPU each) run at once, off the event loop; "
        "more wait up to 1 s, then are answered 429."
    )
    public_url: str = setting(
        "", "The URL browsers and sentries use when it is not the Host they send (e.g. behind "
        "a reverse proxy): websockets opened from its origin are accepted too, and the token "
        "page's enroll command uses it."
    )
    offline_after_s: int = setting(
        30, "A rig with no report for this long is shown offline (3 report intervals)."
    )
    advertise: bool = setting(
        True, "Announce the commander on the LAN over mDNS (_minerfarm._tcp) for 'sentry enroll'."
    )
    report_retention_days: int = setting(
        7, "Raw reports (the rigs' logs) older than this many days are deleted."
    )
    report_compact_after_s: int = setting(
        3600, "Raw reports received more than this many seconds ago (whole hours) are packed "
        "into compressed per-rig hour blocks, about 30x smaller; their pages stay the same."
    )
    minute_rollup_days: int = setting(
        7, "Per-minute chart rollups (1 h and 24 h charts) are kept this many days."
    )
    hour_rollup_days: int = setting(
        365, "Per-hour chart rollups (7 d and 30 d charts) are kept this many days."
    )
    rollup_interval_s: int = setting(
        60, "How often the background job rolls new reports up and applies retention."
    )
    clock_skew_flag_s: int = setting(
        300, "A rig whose clock is off the commander's by more than this many seconds is "
        "flagged on its pages (charts and retention use the commander's receive time)."
    )
    sentry_requests_per_s: int = setting(
        5, "Sentry API requests per second one rig token may make, sustained (429 with "
        "Retry-After above; the sentry waits and resends)."
    )
    sentry_request_burst: int = setting(
        120, "Sentry API requests one rig token may make at once above the sustained rate "
        "(a spool replayed after an outage sends its batches back to back)."
    )
    rig_bytes_per_day: int = setting(
        1_000_000_000, "Report bytes a CPU/GPU rig may send per day (up to an hour of it at "
        "once); 429 with Retry-After above. With the retention this bounds a rig's disk use."
    )
    asic_sentry_bytes_per_day: int = setting(
        40_000_000_000, "Report bytes an ASIC sentry may send per day (a 5,000-ASIC LAN sends "
        "about 13 GB); 429 with Retry-After above."
    )
    playbook_run_retention_days: int = setting(
        30, "Playbook run results older than this are deleted (each rig's newest is kept)."
    )
    asic_retention_days: int = setting(
        30, "ASICs an ASIC sentry has not reported online for this many days are forgotten."
    )
    farm_name: str = setting(
        "minerfarm", "The farm's name, at the head of every notification (several farms may "
        "share a channel)."
    )
    alert_tick_s: float = setting(
        2.0, "How often the alert rules are evaluated over the farm model, in seconds (an "
        "offline rig is noticed within offline_after_s plus this)."
    )
    alert_group_window_s: float = setting(
        60.0, "Notifications to one channel are sent at most once per this many seconds; what "
        "fires meanwhile (a switch dies: 500 ASICs offline) goes as one grouped message."
    )
    alert_retention_days: int = setting(
        90, "Resolved alerts and their history older than this many days are deleted."
    )
    action_limit_per_hour: int = setting(
        3, "Remote actions (restart a miner, re-apply playbooks, reboot) one rig may be sent "
        "in any hour; beyond that the commander gives up on the rig (recorded and notified "
        "once) until the hour has passed."
    )
    action_backoff_s: int = setting(
        60, "Seconds between two remote actions of the same kind on one rig; doubles with each "
        "action of the hour (60, 120, 240 ...), so a failing rule cannot loop."
    )
    action_expiry_s: int = setting(
        600, "A remote action its rig's sentry has not acknowledged within this many seconds "
        "is marked expired and no longer delivered (a rig offline for long does not reboot "
        "when it comes back)."
    )
    gpu_hot_c: int = setting(
        85, "A GPU hotter than this (°C) makes its rig degraded, named on the index row and "
        "the rig's page."
    )
    gpu_mem_hot_c: int = setting(
        100, "The same for a GPU's memory temperature, where the sentry reports one "
        "(mem_temp_c)."
    )
    event_retention_days: int = setting(
        30, "Rig and ASIC events (online/offline, miners started or stopped, playbooks "
        "applied or failed) older than this many days are deleted."
    )
    live_queue: int = setting(
        2000, "Messages a live page may fall behind before it is told to reload (per websocket)."
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``MINERFARM_*`` variables, then ``overrides`` that are not None."""
        environ = dict(os.environ) if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + item.name.upper())
            if raw is not None:
                values[item.name] = _convert(item.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        return cls(**values)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'minerfarm.db').resolve()}"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "ingest-queue.db"


def _convert(type_name: Any, raw: str) -> Any:
    text = str(type_name)
    if "bool" in text:
        return raw.strip().lower() not in ("0", "false", "no", "off", "")
    if "int" in text:
        return int(raw)
    if "float" in text:
        return float(raw)
    if "Path" in text:
        return Path(raw)
    return raw


def describe() -> list[tuple[str, Any, str]]:
    """(env variable, default, help) for each setting, for docs and ``--help``."""
    return [
        (ENV_PREFIX + f.name.upper(), f.default, f.metadata["help"])
        for f in dataclasses.fields(Settings)
    ]
