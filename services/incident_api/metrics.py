"""Prometheus metrics of the incident API (names fixed by DESIGN §5)."""

from prometheus_client import Counter

INCIDENTS_RAISED = Counter("ssi_incidents_raised_total", "Incidents raised")
INSTALL_CODE_REVEALS = Counter("ssi_install_code_reveals_total", "Install codes revealed")
