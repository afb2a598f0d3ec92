"""SLA clocks: kept from the feed, their next events recorded on the incident when due."""
