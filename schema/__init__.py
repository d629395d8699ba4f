"""GraphQL transport: types, queries and mutations that translate and delegate to ``models``."""
