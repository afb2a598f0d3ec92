"""Typed clients for the SSI services, generated from `openapi/` by openapi-python-client.

`ssi_client.incident_api` and `ssi_client.notifier` are generated: never edit them by hand;
`make openapi` rewrites them from the code, and a test fails when they drift.
"""
