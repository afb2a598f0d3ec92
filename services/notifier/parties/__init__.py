"""The parties the notifier knows, from the feed's party events (or the API, for a newcomer)."""
