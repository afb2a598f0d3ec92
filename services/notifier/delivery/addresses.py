"""Where webhooks may go: https to public addresses only (DESIGN §5), checked at connect time.

The check runs inside the connection: `GuardedResolver` resolves the host and hands aiohttp only
the addresses that pass, so the address checked is the address connected to, whatever DNS says
later. IP literals never reach a resolver, so `check_url` checks them before any request.
IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) forms are unwrapped first.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Forms that embed or translate IPv4 addresses, or are deprecated, which some Python releases
# still call global: refused outright rather than unwrapped.
_REFUSED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): may embed any IPv4, private included
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # SIIT IPv4-translated
        "2002::/16",  # 6to4
        "fec0::/10",  # site-local (deprecated)
    )
)


# 2130706433, 127.1, 0x7f.1, 127.0.0.1.: numbers the resolver would turn into some address.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+))*\.?", re.IGNORECASE)


class AddressRefused(Exception):
    """The URL or the address it resolves to is not one webhooks may be sent to."""


@dataclass(frozen=True)
class AddressPolicy:
    allow_loopback_http: bool = False
    """Development only: plain http to 127.0.0.0/8 and ::1, nothing more."""

    def allows_address(self, address: IPAddress) -> bool:
        address = unwrap(address)
        if address.is_loopback:
            return self.allow_loopback_http
        if any(address in network for network in _REFUSED):
            return False
        # is_global is false for private, link-local (incl. cloud metadata), CGNAT 100.64/10,
        # unspecified, documentation and reserved ranges; multicast is never a webhook target.
        return address.is_global and not address.is_multicast

    def check_url(self, url: str) -> None:
        """Scheme, shape and (for IP literals) address; hostnames are checked at connect time."""
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise AddressRefused("URLs with credentials are not allowed")
        if not parts.hostname:
            raise AddressRefused("the URL has no host")
        if parts.fragment:
            raise AddressRefused("URLs with a fragment are not allowed")
        try:
            literal: IPAddress | None = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
            if _NUMERIC_HOST.fullmatch(parts.hostname):
                raise AddressRefused("write an IP address in its canonical form") from None
        if parts.scheme == "https":
            if literal is not None and not self.allows_address(literal):
                raise AddressRefused("the address is not a public one")
            return
        if parts.scheme == "http" and self.allow_loopback_http:
            if literal is not None and unwrap(literal).is_loopback:
                return
            if parts.hostname == "localhost":
                return
            raise AddressRefused("plain http is allowed to loopback addresses only")
        raise AddressRefused("webhook URLs must use https")


def unwrap(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


class GuardedResolver(AbstractResolver):
    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [
            r for r in results if self._policy.allows_address(ipaddress.ip_address(r["host"]))
        ]
        if not allowed:
            raise AddressRefused(f"{host} resolves to no address webhooks may be sent to")
        return allowed

    async def close(self) -> None:
        await self._inner.close()
