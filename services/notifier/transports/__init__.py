"""How a notification leaves the building: the webhook's HTTP transport, the addresses it may go
to, and its signature. Imports nothing else of the notifier."""
