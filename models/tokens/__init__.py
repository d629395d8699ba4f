"""API tokens: the secret format, scopes and principals, and the operations that manage and check tokens."""
