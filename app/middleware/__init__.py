"""ASGI middleware, one concern per module; ``app/server.py`` stacks them, outermost first:

``request_id`` (takes or makes ``X-Request-ID``), ``access_log`` (one line per request), CORS (Starlette's),
``json_only`` (415 unless ``POST /graphql`` declares JSON), ``body`` (413 past the limit; reads the body once
and replays it), ``authenticate`` (one token lookup), ``operation`` (parses the GraphQL document once) and
``rate_limit`` (429).

Each leaves what it learnt in ``scope["state"]`` for the ones inside it, the handlers and the access log:
``request_id``, ``body``, ``credentials``, ``document`` and ``operation``.
"""
