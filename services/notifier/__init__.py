"""The notifier: signed webhooks from the incident API's event feed, and the SLA clocks.

Its packages import one way (tests/notifier/test_imports.py holds it to that):
`app` (the composition root, imported by nothing) → `feed` → `delivery` → `endpoints`, with
`sla`, `reports` and `parties` beside them, and the leaves under all of them: `transports`,
`runtime`, `settings`, `metrics`, `api_client`, `tables`.
"""
