"""One typed settings class. Read from the environment (prefix ``MARCHWARDEN_``) and ``.env``.

Nothing reads the environment at import time: ``Settings()`` is built in the composition
root (``bootstrap``) or by the CLI.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marchwarden.core.alerts.errors import FeedUrlRefused
from marchwarden.core.alerts.feeds import valid_prefix

DEFAULT_SECRET = "change-me-development-only"  # noqa: S105 - the refused default


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MARCHWARDEN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./marchwarden.db"
    secret_key: str = DEFAULT_SECRET
    #: where the audit chain's head is anchored, outside the table it protects
    audit_anchor_path: str = "./marchwarden-audit.anchor"
    token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    max_upload_bytes: int = Field(default=64 * 1_048_576, gt=0)
    #: failed logins (per account and per address) before attempts are slowed down
    login_slowdown_after: int = Field(default=3, ge=1)
    #: failed logins before the account or address is locked
    login_lock_after: int = Field(default=10, ge=1)
    login_lock_seconds: int = Field(default=900, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    #: recommendations leave out eligible units farther than this by ETA (minutes; 0: no cut-off)
    recommend_max_eta_minutes: float = Field(default=120.0, ge=0)
    #: "memory" (one process) or "nats" (several processes share a NATS server)
    bus: Literal["memory", "nats"] = "memory"
    nats_url: str = "nats://127.0.0.1:4222"
    #: the stream hub also polls the store this often (picks up writes by the CLI, or
    #: by other processes when no shared bus is configured)
    stream_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    #: the least time between two dispatches of the stream hub: what commits meanwhile
    #: reaches each subscriber together (one wake-up and, on a batched stream, one
    #: message per interval); a quiet stream's event goes at once
    stream_interval_seconds: float = Field(default=0.1, ge=0, le=10)
    #: WebSocket per-message compression (permessage-deflate) when a client offers it:
    #: fewer bytes on the wire, for CPU on every message to every subscriber (each
    #: connection compresses with its own context; docs/benchmarks.md, positions); turn
    #: it off where the network is fast and a process feeds many live subscribers
    ws_compression: bool = True
    #: gzip level (1 fastest … 9 smallest; 0: none) of the replies to GET requests of at
    #: least 1 KiB when the client accepts gzip: ``GET /units`` of 5,000 units is 2.4 MB
    #: as JSON and 0.25 MB at level 1, compressed in a worker thread (docs/benchmarks.md)
    gzip_level: int = Field(default=1, ge=0, le=9)
    #: argon2id cost: RFC 9106 second recommended profile by default (t=3, 64 MiB)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    #: password checks (and hashes) run at once per process: each holds argon2_memory_kib
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    #: more may wait for a slot, up to this many for up to password_hash_wait_seconds;
    #: beyond that a login gets 503 with Retry-After (a flood cannot exhaust memory)
    password_hash_queue: int = Field(default=8, ge=0, le=1000)
    password_hash_wait_seconds: float = Field(default=2.0, ge=0, le=60)
    log_level: str = "INFO"
    hq_timezone: str = "Europe/Moscow"
    #: an MBTiles file served as the map's base layer (``/api/v1/basemap``); none: the
    #: bundled rivers and lakes only
    basemap: str | None = None
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # --- unified command
    #: a report may belong to an open incident this close (km) ...
    correlation_max_distance_km: float = Field(default=10.0, gt=0)
    #: ... and this close in time (minutes) to the incident's reporting period
    correlation_time_window_minutes: int = Field(default=360, gt=0)
    #: two reports of the same type this close in space (km), time (minutes) and text
    #: (token Jaccard similarity) are flagged as likely duplicates
    duplicate_distance_km: float = Field(default=1.0, ge=0)
    duplicate_window_minutes: int = Field(default=30, ge=0)
    duplicate_text_similarity: float = Field(default=0.5, gt=0, le=1)
    #: how long a duty officer's claim on a report lasts
    report_claim_ttl_seconds: int = Field(default=600, gt=0)
    #: settlements within this radius of an incident's place count as affected, by default
    incident_default_radius_km: float = Field(default=15.0, ge=0, le=500)
    # --- TAK gateway (docs/tak.md)
    #: run the TAK gateway inside ``marchwarden serve`` (``marchwarden tak serve`` always does)
    tak_enabled: bool = False
    #: address the gateway's ports bind to (0.0.0.0 to reach phones on the network)
    tak_host: str = "127.0.0.1"
    #: plain CoT over TCP (anonymous devices; None: off), TLS with client certificates,
    #: and HTTPS certificate enrolment (None: off)
    tak_tcp_port: int | None = Field(default=8087, ge=0, le=65535)
    tak_tls_port: int | None = Field(default=8089, ge=0, le=65535)
    tak_enrol_port: int | None = Field(default=8446, ge=0, le=65535)
    #: the CA and server certificate (``marchwarden tak ca init``)
    tak_ca_dir: str = "./marchwarden-tak"
    #: the account whose access plain-TCP devices get (None: anonymous, see docs/tak.md)
    tak_anonymous_user: str | None = None
    tak_max_frame_bytes: int = Field(default=262_144, ge=1024)
    #: frames per second one device may send (a burst of twice this); the excess is dropped
    tak_client_max_rate: int = Field(default=200, ge=0)
    #: messages queued for a slow device before its oldest position updates are dropped
    tak_queue_limit: int = Field(default=2_000, ge=10)
    #: at most one AVL position per unit this often from its devices
    tak_position_interval_seconds: float = Field(default=5.0, ge=0)
    tak_hq_callsign: str = "Marchwarden HQ"
    tak_hq_lat: float = Field(default=0.0, ge=-90, le=90)
    tak_hq_lon: float = Field(default=0.0, ge=-180, le=180)
    #: the Admiralty rating of a field report sent from a TAK device
    tak_report_rating: str = "B3"
    #: the NATS subject the gateways relay device-to-device traffic on (with ``bus`` nats);
    #: gateways of one installation share it, another installation on the same NATS
    #: takes its own
    tak_relay_subject: str = Field(
        default="marchwarden.tak.relay", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
    )
    # --- the field page (/field/)
    #: while a task is active, a phone that consented sends its position this often
    field_position_interval_seconds: int = Field(default=60, ge=5, le=3600)
    #: the largest photo accepted with a field report (bytes, as uploaded)
    photo_max_bytes: int = Field(default=8 * 1_048_576, gt=0)
    #: the longer side of a stored photo (pixels); larger photos are scaled down
    photo_max_side_px: int = Field(default=2048, ge=256, le=8192)

    # --- public alerts (CAP 1.2; docs/alerts.md)
    #: the CAP <sender> of this headquarters' alerts
    cap_sender: str = "alerts@border-hq.example"
    cap_sender_name: str = "Border Regions Coordination Headquarters"
    #: the public address of this server, for the links in CAP documents and the feed
    public_base_url: str = "http://127.0.0.1:8000"
    #: severities whose approval must be by a second person (not the drafter)
    alert_second_person_severities: list[str] = ["Extreme", "Severe"]
    alert_max_vertices: int = Field(default=1000, ge=4, le=100_000)
    #: the largest imported CAP document accepted (bytes)
    cap_import_max_bytes: int = Field(default=1_048_576, gt=0)
    #: the feeds ``POST /alerts/import-feed`` may fetch: URL prefixes (scheme, host, port,
    #: path), e.g. ``["https://alerts.neighbour.example/cap/"]``; empty: no feed URL is
    #: fetched (docs/security.md, server-side request forgery)
    alert_feed_allow: list[str] = []
    #: networks (CIDR) a feed host may resolve to although they are not public (loopback,
    #: private, link-local...), e.g. ``["10.20.0.0/16"]``; empty: public addresses only
    alert_feed_private_networks: list[str] = []
    #: webhook delivery: attempts before giving up, first retry delay (doubles each time)
    webhook_max_attempts: int = Field(default=6, ge=1)
    webhook_backoff_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    #: deliveries given up in a row before a subscriber is marked failing
    webhook_failing_after: int = Field(default=3, ge=1)
    #: the delivery worker polls the queue this often (and is woken on publication)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)

    @field_validator("alert_feed_allow")
    @classmethod
    def _feed_prefixes(cls, value: list[str]) -> list[str]:
        try:
            return [valid_prefix(prefix) for prefix in value]
        except FeedUrlRefused as exc:
            raise ValueError(f"MARCHWARDEN_ALERT_FEED_ALLOW: {exc.detail}") from exc

    @field_validator("alert_feed_private_networks")
    @classmethod
    def _feed_networks(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(network, strict=False)) for network in value]

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "MARCHWARDEN_SECRET_KEY is at its development default; "
                f"set a secret of your own to run in {self.environment}"
            )
        if self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError(
                f"MARCHWARDEN_SECRET_KEY must be at least 32 characters in {self.environment}"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
