"""Deliveries: one event to one endpoint, from its row to its last attempt. New rows and the
webhook body, claiming, sending, deciding what next, recording, releasing; skipping what waits for
a disabled endpoint and re-delivering it (`recover`); the worker that runs it all."""
