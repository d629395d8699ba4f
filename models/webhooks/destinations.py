"""Where webhooks may send: outbound safety against server-side request forgery.

A webhook URL is chosen by an API caller but fetched by the server, from inside its network. So a destination
must be ``https`` and resolve only to public addresses: loopback, private (RFC 1918, unique-local IPv6),
link-local (which holds the cloud metadata endpoint 169.254.169.254), shared, multicast, reserved and
unspecified addresses are refused. ``MODELREG_WEBHOOK_ALLOW_HOSTS`` lists host names, addresses or networks
(``hooks.internal``, ``127.0.0.1``, ``10.2.0.0/16``) that are allowed anyway, over ``http`` too: for receivers
inside the network, and for the tests' loopback receiver.

The URL is checked when a webhook is created or changed (scheme, shape) and again before every request
(shape again, for rows stored before a check existed, and the addresses its host resolves to now). Its shape is
what both ``urllib`` and ``httpx`` (the sender) accept: a port from 1 to 65535, a host that is an IP address or a
name of letters, digits, ``-``, ``_`` and dots that IDNA can encode (no spaces, no control or invisible
characters, which a reader of the URL would not see). A host whose DNS answer changes between that check and the
connection could still reach a refused address; docs/events.md says so.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

from models.errors import InvalidInput

MAX_URL = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refused(Exception):
    """The destination may not be contacted; the message says why (it is recorded on the attempt)."""


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks exempt from the checks above."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[str], field: str = "MODELREG_WEBHOOK_ALLOW_HOSTS") -> AllowList:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if not all(part.isalnum() or part in "-._" for part in entry):
                    problem = f"{entry[:80]!r} is neither a host name, an address nor a network"
                    raise InvalidInput(field, problem) from None
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        if host.lower() in self.hosts:
            return True
        address = _address(host)
        return address is not None and self.allows_address(address)

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)


def _address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class _Malformed(ValueError):
    """The URL cannot be used as it stands; the message says why and how to fix it."""


def _split(url: str) -> tuple[SplitResult, str, int | None]:
    """The URL's parts, its host (lower case, no brackets) and its port; ``_Malformed`` unless both ``urllib`` and
    ``httpx`` can use it."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # unbalanced brackets, or a bracketed host that is no IPv6 address
        raise _Malformed(
            f"is not a valid URL ({error}); an IPv6 address goes in brackets, e.g. https://[2001:db8::1]/hooks"
        ) from None
    try:
        port = parts.port
    except ValueError:  # out of range, or not a number
        port = 0
    if port == 0:
        raise _Malformed("the port must be a number from 1 to 65535, e.g. https://ci.example.com:8443/hooks")
    host = parts.hostname or ""
    if host and _address(host) is None:
        _check_name(host)
    try:
        httpx.URL(url)
    except httpx.InvalidURL as error:  # what the sender would refuse: control characters, a bad IDNA name
        raise _Malformed(f"is not a URL that can be requested: {error}") from None
    return parts, host, port


def _check_name(host: str) -> None:
    def fits(c: str) -> bool:
        if c.isascii():
            return c.isalnum() or c in "-._"
        return unicodedata.category(c)[0] in "LMN"  # letters, marks, digits of an internationalised name

    if not all(fits(c) for c in host):
        raise _Malformed(
            f"the host {host[:80]!r} holds a character no host name has (a space, a control or invisible "
            "character, or punctuation); use letters, digits, '-' and dots"
        )
    try:
        host.encode("idna")
    except UnicodeError:
        raise _Malformed(f"the host {host[:80]!r} has an empty label or one over 63 characters") from None


def check_url(url: str, allow: AllowList, field: str = "url") -> str:
    """The URL, if its shape is acceptable: ``https`` (or ``http`` to an allowed host), a host, no credentials."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise InvalidInput(field, f"give the receiver's URL, at most {MAX_URL} characters")
    try:
        parts, host, _ = _split(url)
    except _Malformed as malformed:
        raise InvalidInput(field, str(malformed)) from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput(field, "must be an absolute https:// URL, e.g. https://ci.example.com/hooks/modelreg")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(field, "must not hold credentials; the receiver checks the signature instead")
    if parts.scheme == "http" and not allow.allows_host(host):
        raise InvalidInput(field, "must use https (http only to a host MODELREG_WEBHOOK_ALLOW_HOSTS lists)")
    address = _address(host)
    if address is not None and not public(address) and not allow.allows_host(host):
        raise InvalidInput(
            field, f"{host} is not a public address; allow it with MODELREG_WEBHOOK_ALLOW_HOSTS if it is meant"
        )
    return url


async def check_destination(url: str, allow: AllowList) -> None:
    """Raise ``Refused`` unless the URL is well-formed and every address its host resolves to now may be contacted."""
    try:
        parts, host, port = _split(url)
    except _Malformed as malformed:  # a row stored before check_url refused such URLs
        raise Refused(f"malformed url: {malformed}; change it with updateWebhook") from None
    if allow.allows_host(host):
        return
    if parts.scheme != "https":
        raise Refused("http is refused; use https or allow the host with MODELREG_WEBHOOK_ALLOW_HOSTS")
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Refused(f"cannot resolve {host}: {error}") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not public(address) and not allow.allows_address(address):
            raise Refused(f"{host} resolves to {address}, which is not a public address (MODELREG_WEBHOOK_ALLOW_HOSTS)")
