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
