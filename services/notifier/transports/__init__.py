"""How a notification leaves the building: the webhook's HTTP transport, the addresses it may go
to and its signature; the email transport and its messages. Imports nothing else of the notifier
but its settings."""
