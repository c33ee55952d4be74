"""The web view: `newswatch serve`, a read-only site over the store."""
