"""Following the incident API's event feed: the cursor, and routing each page's events into
deliveries and SLA clocks in the transaction that advances it."""
