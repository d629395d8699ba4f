"""Environments: their declarations, their protection rules, the operations that change them, and reading them."""
