"""Prometheus metrics of the notifier (names fixed by DESIGN §5).

Gauges derived from the database (queue depth, dead deliveries) carry the same value on every
replica: aggregate them with max(), never sum().
"""

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "ssi_webhook_deliveries_total",
    "Webhook delivery attempts by result",
    ["result"],  # succeeded | failed | dead | gone
)
DELIVERY_SECONDS = Histogram(
    "ssi_webhook_delivery_seconds",
    "Time from sending a webhook to its answer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUEUE_DEPTH = Gauge("ssi_webhook_queue_depth", "Pending deliveries (due now or later)")
DEAD = Gauge("ssi_webhook_dead_deliveries", "Deliveries that failed every attempt")
FEED_LAG = Gauge("ssi_event_feed_lag_events", "Events in the API's log not yet routed")
# Counted once across replicas, by whichever records the page: sum() it. Non-zero after an
# upgrade means the API was rolled out before the notifier (deploy/README.md, "Upgrading").
FEED_UNKNOWN_EVENTS = Counter(
    "ssi_feed_unknown_events_total",
    "Feed events of a type this notifier does not know, skipped (never routed)",
    ["type"],
)
PARTY_LOOKUPS = Counter(
    "ssi_party_lookups_total",
    "Parties the feed had not brought yet, asked of the incident API, by result",
    ["result"],  # found | not_found | unavailable | limited (not asked: over the budget)
)

# SLA (DESIGN §4). The counters count events as the feed brings them, once across replicas
# (the cursor's compare-and-set): sum() them. The gauges come from the database: max() them.
INCIDENTS_OPEN = Gauge("ssi_incidents_open", "Open incidents by SLA state", ["sla_state"])
UNREACHABLE = Gauge(
    "ssi_unreachable_addressees",
    "Open incidents whose addressee no delivery of the current clock's start event has reached",
)
CONTACT_DEFECTS = Gauge(
    "ssi_contact_defects",
    "Contact-list addresses whose latest message failed (GET /v1/reports/contact-defects)",
)
SLA_WARNINGS = Counter("ssi_sla_warnings_total", "SLA warnings recorded", ["addressed_party"])
SLA_BREACHES = Counter("ssi_sla_breaches_total", "SLA breaches recorded", ["addressed_party"])
SLA_ESCALATIONS = Counter(
    "ssi_sla_escalations_total", "SLA escalations recorded", ["addressed_party"]
)
RESOLUTION_WORKING_DAYS = Histogram(
    "ssi_sla_resolution_working_days",
    "Whole Working Days from a clock's start to the incident's resolution",
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30),
)
SLA_HEARTBEAT = Gauge(
    "ssi_sla_scheduler_heartbeat_timestamp_seconds",
    "When this replica's SLA scheduler last completed a check (Unix time)",
)
