"""Where webhooks may go: https to public addresses only (DESIGN §5), checked at connect time.

The check runs inside the connection: aiohttp hands `AddressPolicy.open_socket` every address it
is about to connect to, resolved from a name or written as an IP literal, so the address checked
is the address connected to, whatever DNS says later. `check_url` refuses what it can see in the
URL alone, judging the host as aiohttp will connect to it: yarl's, after IDNA and Unicode
normalisation, under which fullwidth digits and ideographic full stops make an IP literal.
IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) forms are unwrapped first.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohappyeyeballs import AddrInfoType
from yarl import URL

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


class AddressRefused(OSError):
    """The URL or the address it leads to is not one webhooks may be sent to.

    An OSError so that, raised from `open_socket`, aiohttp treats it as that address failing to
    connect: it tries the name's other addresses and reports the refusal as the cause.
    """


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
        if not url.isprintable():
            raise AddressRefused("the URL contains control characters")
        try:
            parsed = URL(url)
            written = urlsplit(url).hostname
        except ValueError:
            raise AddressRefused("the URL cannot be parsed") from None
        if parsed.user is not None or parsed.password is not None:
            raise AddressRefused("URLs with credentials are not allowed")
        # raw_host is what aiohttp resolves or connects to: IDNA-encoded, Unicode-normalised.
        host = parsed.raw_host
        if not host or not written:
            raise AddressRefused("the URL has no host")
        if parsed.fragment:
            raise AddressRefused("URLs with a fragment are not allowed")
        literal = _literal(host)
        if literal is None and _NUMERIC_HOST.fullmatch(host):
            raise AddressRefused("write an IP address in its canonical form")
        if parsed.scheme == "https":
            if literal is not None and not self.allows_address(literal):
                raise AddressRefused("the address is not a public one")
        elif parsed.scheme != "http" or not self.allow_loopback_http:
            raise AddressRefused("webhook URLs must use https")
        elif not (host == "localhost" or (literal is not None and unwrap(literal).is_loopback)):
            raise AddressRefused("plain http is allowed to loopback addresses only")
        # An address stored as one thing and connected to as another (fullwidth digits, say)
        # would mislead whoever reads the endpoint, even where the address itself is allowed.
        if literal is not None and _literal(written) != literal:
            raise AddressRefused("write an IP address in its canonical form")

    def open_socket(self, addr_info: AddrInfoType) -> socket.socket:
        """aiohttp's socket factory: refuses before any packet is sent to a refused address.

        The message names no address, so a name whose every address is refused reports the
        refusal itself rather than aiohttp's list of differing failures."""
        family, kind, proto, _, sockaddr = addr_info
        if not self.allows_address(ipaddress.ip_address(sockaddr[0])):
            raise AddressRefused("the host's address is not a public one")
        return socket.socket(family, kind, proto)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def unwrap(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address
