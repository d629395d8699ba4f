"""Protected environments: their rules, the operations that change them, and reading them."""
