"""The ASIC sentry: discovers and polls the ASICs of one LAN, read-only."""
