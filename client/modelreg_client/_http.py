"""HTTP to the registry: bearer auth, a timeout, retries with backoff, and errors mapped to exceptions.

Only failures that cannot have changed anything are retried: connection errors (nothing was sent),
502/503/504 from a gateway, and 429 (the rate limiter refused the request before it ran; the client waits
the ``Retry-After`` the server sent). The client sends an idempotency key with every mutation that takes one, so
even a retried mutation cannot apply twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from modelreg_client.errors import BY_CODE, InvalidInput, NotARegistry, RegistryError, Unavailable

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
#: The longest ``Retry-After`` the client honours before giving up (a CI job should fail, not hang).
MAX_RETRY_AFTER = 30.0
_HTTP_CODES = {
    400: "BAD_USER_INPUT",
    413: "BAD_USER_INPUT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "RATE_LIMITED",
    502: "SERVICE_UNAVAILABLE",
    503: "SERVICE_UNAVAILABLE",
    504: "SERVICE_UNAVAILABLE",
}


def registry_url(url: str) -> str:
    """The registry's base URL: ``http(s)://host[:port][/prefix]``, with or without the ``/graphql`` endpoint.

    Raises ``InvalidInput`` (one line, naming the fix) for a URL without a scheme or host.
    """
    given = url.strip()
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = f"; did you mean http://{given}?" if "://" not in given else ""
        raise InvalidInput(
            f"registry URL {given!r} (--url or MODELREG_URL) must start with http:// or https:// and name a host{hint}"
        )
    path = parts.path.rstrip("/")
    path = path.removesuffix("/graphql")  # the address make run prints is the GraphQL endpoint itself
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Transport:
    def __init__(self, url: str, token: str | None, *, timeout: float, retries: int, backoff: float) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=registry_url(url), headers=headers, timeout=timeout)
        self.retries = retries
        self.backoff = backoff

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: Callable[[], Iterable[bytes]] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send with retries. ``content`` is a factory, so a streamed body can be sent again from the start."""
        for attempt in range(self.retries + 1):
            request = self.http.build_request(method, path, json=json, content=content() if content else None)
            try:
                response = self.http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failure = f"cannot reach the registry at {self.http.base_url}: {error}"
            except httpx.TimeoutException as error:
                # The request may have arrived: not retried, the caller decides.
                raise Unavailable(f"the registry did not answer in time ({error})") from error
            except httpx.HTTPError as error:  # the connection broke mid-request, or the answer was not HTTP
                raise Unavailable(f"the connection to the registry at {self.http.base_url} failed: {error}") from error
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                wait = _retry_after(response)
                if response.status_code == 429 and (attempt == self.retries or wait > MAX_RETRY_AFTER):
                    return response  # the caller raises RateLimited with the server's message
                response.close()
                failure = f"the registry answered {response.status_code} {response.reason_phrase}"
                if wait and attempt < self.retries:
                    time.sleep(min(wait, MAX_RETRY_AFTER))
                    continue
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise Unavailable(f"{failure} (after {self.retries + 1} attempts)")

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.send("POST", "/graphql", json={"query": query, "variables": variables or {}})
        request_id = response.headers.get("x-request-id")
        if response.status_code == 404:
            raise NotARegistry(
                f"no GraphQL endpoint at {str(self.http.base_url).rstrip('/')}/graphql (HTTP 404): "
                "is --url or MODELREG_URL the registry's address?",
                request_id=request_id,
            )
        if response.status_code != 200:
            raise error_for(response)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise NotARegistry(
                f"the server at {self.http.base_url} did not answer /graphql with JSON: is it a modelreg registry?",
                request_id=request_id,
            ) from None
        if body.get("errors"):
            first = body["errors"][0]
            code = (first.get("extensions") or {}).get("code", "")
            raise BY_CODE.get(code, RegistryError)(first.get("message", "unknown error"), request_id=request_id)
        data: dict[str, Any] = body["data"]
        return data


def _retry_after(response: httpx.Response) -> float:
    """Seconds the server asked us to wait (``Retry-After`` in seconds; dates are not sent by modelreg)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0


def error_for(response: httpx.Response) -> RegistryError:
    """The exception for a failed plain-HTTP response (artifact routes, or /graphql refusing a request)."""
    if response.is_stream_consumed is False:
        response.read()
    code = _HTTP_CODES.get(response.status_code, "")
    message = response.text[:500] or response.reason_phrase
    try:
        body = response.json()
        error = body.get("error") or (body.get("errors") or [{}])[0]
        message = error.get("message", message)
        code = error.get("code") or (error.get("extensions") or {}).get("code") or code
    except ValueError:
        pass
    return BY_CODE.get(code, RegistryError)(
        f"{message} (HTTP {response.status_code})", request_id=response.headers.get("x-request-id")
    )
