"""The registry's domain and persistence: tables, invariants and the operations that change state."""
