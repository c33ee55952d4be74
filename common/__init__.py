"""Types and rules shared by every layer (crawler, store, monitor, CLI), so imports point one way."""
