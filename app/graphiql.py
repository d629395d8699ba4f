"""GraphiQL without the network: the page and every asset it loads are served by this server.

The assets are pinned npm files under ``app/static/graphiql/`` (``pins.json``: versions, sha256 digests and
licences; ``make assets`` fetches them again, ``tools/assets.py check`` verifies them), served under
``ASSETS_PATH``. The page's Content-Security-Policy lets it load nothing from anywhere else, so a page that
renders proves that nothing is fetched from a CDN.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from app import __version__

STATIC = Path(__file__).parent / "static" / "graphiql"
#: Where the assets are served: ``/graphiql/NAME@VERSION/PATH`` (the npm package's own file path).
ASSETS_PATH = "/graphiql"
#: Scripts, styles, fonts and requests from this server only. GraphiQL sets inline styles (CodeMirror, the
#: explorer), hence ``'unsafe-inline'`` for styles alone; images may be ``data:`` URLs (icons in the CSS).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def page() -> str:
    """The GraphiQL page, its title naming the server and version (a browser tab shows it)."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return re.sub("<title>.*?</title>", f"<title>modelreg {__version__} GraphiQL</title>", html)


def assets_route() -> Route:
    """``GET``/``HEAD`` ``ASSETS_PATH/{path}``: one of the page's files (404 for anything else)."""
    files = StaticFiles(directory=STATIC)  # refuses paths out of STATIC; answers ETag and If-None-Match

    async def asset(request: Request) -> Response:
        return await files.get_response(request.path_params["path"], request.scope)

    return Route(f"{ASSETS_PATH}/{{path:path}}", asset, methods=["GET", "HEAD"])
