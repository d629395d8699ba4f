"""The audit log: writing events, their hash chains, and reading them."""
