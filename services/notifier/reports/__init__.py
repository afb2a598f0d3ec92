"""The SLA compliance report, read from the SLA clocks."""
