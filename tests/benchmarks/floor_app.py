"""The HTTP floor: a plain Starlette JSON route answering with a body as large as the workload's own.

``POST /floor/{name}`` reads and parses the request body (as any JSON route would), then serializes the
payload the benchmark captured from modelreg's own response to the same request, with orjson. Served by
uvicorn with the settings ``modelreg serve`` uses, so the difference to modelreg is GraphQL, the ORM, the
database and modelreg's middleware.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def build(payloads: dict[str, Any]) -> Starlette:
    async def floor(request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(orjson.dumps(payloads[request.path_params["name"]]), media_type="application/json")

    async def ready(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/floor/{name}", floor, methods=["POST"]), Route("/readyz", ready)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--payloads", type=Path, required=True, help="a JSON object: name -> response body")
    args = parser.parse_args()
    app = build(orjson.loads(args.payloads.read_bytes()))
    # The same uvicorn settings as `modelreg serve` (app/cli.py).
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", proxy_headers=False, server_header=False)


if __name__ == "__main__":
    main()
