"""What the live-event tests share: a real server for them, and a graphql-transport-ws client of the ``gql``
package (a client nobody here wrote) authenticated with a token in ``connection_init``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from gql.transport.websockets import WebsocketsTransport

from tests.support.server import serving


@contextmanager
def live_server(database_url: str, tmp_path: Path, env: Mapping[str, str]) -> Iterator[str]:
    """A ``modelreg serve`` on ``database_url`` with ``env``; its base URL."""
    with serving(database_url, "--artifact-root", str(tmp_path / "a"), env=dict(env)) as served:
        yield served.url


def transport(url: str, token: str) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=url.replace("http://", "ws://") + "/graphql",
        init_payload={"authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
