"""The one policy for every connection the product opens to another machine.

http data sources, webhooks, the organisation's time-stamp authority, the hosts of sql
data sources and the IMAP server of an organisation's mailbox all go through here
(docs/SECURITY.md, "The network"). The rules:

- the host name is resolved once; every address it resolves to must be public (not
  loopback, private, link-local, multicast, reserved, unspecified, shared or
  documentation space, in IPv4, IPv6 or IPv6's embeddings of IPv4) unless the operator
  allow-lists its network in `DSR_EGRESS_ALLOW` (settings.EGRESS_ALLOW);
- the connection goes to the address that was checked, never to a second resolution
  (a DNS answer that changes between check and connect reaches nothing);
- redirects are not followed: a 3xx is an answer like any other;
- time and the size of the answer are bounded;
- errors name the class of failure ("refused: private address", "HTTP 404", "timed
  out"), never the remote body or the driver's text, so a page that shows them cannot be
  used to read or map an internal network.

No ORM here and nothing from the product above it: `dsr.egress` sits at the bottom of the
layers with `deadlines` and `crypto`.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024


class EgressError(Exception):
    """A connection the policy or the network did not allow. `str()` is safe to show."""

    # Trying again later may help (the network), or not (the policy, a bad address).
    transient = False


class Refused(EgressError):
    """The policy refused the destination (its address, scheme or form)."""


class Unreachable(EgressError):
    """The destination could not be reached or did not answer in time."""

    transient = True


class TooLarge(EgressError):
    """The answer was larger than the caller accepts."""


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400


# -- addresses


@lru_cache(maxsize=8)
def _parse_networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks the operator allows although they are not public (DSR_EGRESS_ALLOW)."""
    return _parse_networks(tuple(getattr(settings, "EGRESS_ALLOW", ()) or ()))


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, compatible)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = ip.packed
    if ip in ipaddress.ip_network("64:ff9b::/96") or ip in ipaddress.ip_network("64:ff9b:1::/48"):
        return ipaddress.IPv4Address(packed[-4:])
    if packed[:12] == bytes(12) and packed[12:] not in (bytes(4), b"\x00\x00\x00\x01"):
        return ipaddress.IPv4Address(packed[-4:])  # deprecated IPv4-compatible ::a.b.c.d
    return None


def _class_of(ip: IPAddress) -> str:
    """'' for a public address, else the name of the class that makes it not public."""
    if ip.is_loopback:
        return "loopback address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_private:
        return "private address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "non-public address"
    return ""


def address_refusal(address: str | IPAddress) -> str:
    """'' when the policy allows connecting to `address`, else why not ("private address")."""
    ip = ipaddress.ip_address(address.split("%")[0] if isinstance(address, str) else address)
    if any(ip in network for network in allowed_networks()):
        return ""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        if any(embedded in network for network in allowed_networks()):
            return ""
        return _class_of(embedded)
    return _class_of(ip)


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (the one place the product asks DNS for them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


# Tests replace this to give DNS answers that change between calls (the edge of the world).
_resolver: Callable[[str, int], list[str]] = resolve


def checked_address(host: str, port: int) -> str:
    """Resolve `host` once and return the address to connect to, or raise.

    Every address the name resolves to must pass (an answer mixing a public and a private
    address is refused, whichever the client would have picked).
    """
    return checked_addresses(host, port)[0]


def checked_addresses(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (once), all of them checked, in the resolver's order
    of preference; a connection may try them in turn (an IPv6 address the machine has no
    route to, then the IPv4 one) without asking DNS again."""
    if not host:
        raise Refused("refused: no host")
    bare = host.strip("[]")
    try:
        addresses: Iterable[str] = [str(ipaddress.ip_address(bare.split("%")[0]))]
    except ValueError:
        try:
            addresses = _resolver(bare, port)
        except (socket.gaierror, UnicodeError):
            raise Unreachable("unreachable: the host name does not resolve") from None
        except OSError:
            raise Unreachable("unreachable: the host name does not resolve") from None
    addresses = list(addresses)
    if not addresses:
        raise Unreachable("unreachable: the host name does not resolve")
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise Refused(f"refused: {refusal}")
    return addresses


def check_url(url: str, *, schemes: tuple[str, ...] = ("https", "http")) -> str:
    """Check a URL's form and destination now (at save time). Returns the URL."""
    parts = _split(url, schemes)
    checked_address(parts.hostname or "", _port(parts))
    return url


def _split(url: str, schemes: tuple[str, ...]):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError:
        raise Refused("refused: not a valid URL") from None
    if parts.scheme not in schemes:
        accepted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise Refused(f"refused: the address must start with {accepted}")
    if not parts.hostname:
        raise Refused("refused: the URL has no host")
    if parts.username or parts.password:
        raise Refused("refused: credentials in the URL")
    if any(ord(character) < 33 for character in url):
        raise Refused("refused: not a valid URL")
    return parts


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


# -- HTTP


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses (the first that answers); the Host header keeps
    the name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        failure: OSError | None = None
        for address in self._addresses:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as error:
                failure = error
                continue
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return
        raise failure or OSError("no address to connect to")


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS to the checked address, verifying the certificate against the host name."""

    def __init__(
        self, host: str, port: int, addresses: list[str], timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, addresses, timeout)
        self._context = context

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    extra = getattr(settings, "EGRESS_CA_FILE", "")
    if extra:
        context.load_verify_locations(cafile=extra)
    return context


def tls_context() -> ssl.SSLContext:
    """The TLS context of every outbound connection: the system's CAs, plus the operator's
    DSR_EGRESS_CA_FILE; certificates are verified for the host name."""
    return _tls_context()


def connect(host: str, port: int, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> socket.socket:
    """A TCP connection under the policy (for protocols other than HTTP: IMAP): `host` is
    resolved once and checked, and the connection goes to a checked address. The caller
    wraps it in TLS with `tls_context()` and `server_hostname=host`."""
    failure: OSError | None = None
    for address in checked_addresses(host, port):
        try:
            return socket.create_connection((address, port), timeout)
        except TimeoutError:
            raise Unreachable(f"unreachable: no answer within {timeout:g} s") from None
        except ConnectionRefusedError as error:
            failure = error
        except OSError as error:
            failure = error
    if isinstance(failure, ConnectionRefusedError):
        raise Unreachable("unreachable: connection refused")
    raise Unreachable("unreachable: the connection failed")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    schemes: tuple[str, ...] = ("https", "http"),
) -> Response:
    """One HTTP exchange under the policy. Any status comes back as a Response (3xx too,
    never followed); the policy, the network and an oversized answer raise EgressError."""
    parts = _split(url, schemes)
    host, port = parts.hostname or "", _port(parts)
    addresses = checked_addresses(host, port)
    deadline = time.monotonic() + timeout
    if parts.scheme == "https":
        connection: _PinnedHTTPConnection = _PinnedHTTPSConnection(
            host, port, addresses, timeout, _tls_context()
        )
    else:
        connection = _PinnedHTTPConnection(host, port, addresses, timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        connection.request(method, target, body=body, headers=headers or {})
        answer = connection.getresponse()
        received = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise Unreachable(f"unreachable: no complete answer within {timeout:g} s")
            chunk = answer.read(_CHUNK)
            if not chunk:
                break
            received += chunk
            if len(received) > max_bytes:
                raise TooLarge(f"refused: the answer is larger than {max_bytes} bytes")
        return Response(
            status=answer.status,
            headers={name.lower(): value for name, value in answer.getheaders()},
            body=bytes(received),
        )
    except EgressError:
        raise
    except TimeoutError:
        raise Unreachable(f"unreachable: no answer within {timeout:g} s") from None
    except ssl.SSLError:
        raise Unreachable("unreachable: the TLS handshake failed") from None
    except ConnectionRefusedError:
        raise Unreachable("unreachable: connection refused") from None
    except (http.client.HTTPException, OSError):
        raise Unreachable("unreachable: the connection failed") from None
    finally:
        connection.close()


def status_text(response: Response) -> str:
    """How a page names an answer: the status alone, never the body."""
    if response.is_redirect:
        return f"HTTP {response.status} (redirects are not followed)"
    return f"HTTP {response.status}"
