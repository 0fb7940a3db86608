"""The egress policy itself (dsr/egress.py): which addresses are refused, and that one HTTP
exchange connects to the address it checked, follows no redirect and reads a bounded
answer. Real sockets; the DNS edge is `egress._resolver`."""

from __future__ import annotations

import pytest
from egress_helpers import LoggingServer, servers_on_one_port

from dsr import egress


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("127.0.0.1", "loopback address"),
        ("127.8.9.10", "loopback address"),
        ("10.1.2.3", "private address"),
        ("172.16.0.1", "private address"),
        ("192.168.1.1", "private address"),
        ("169.254.169.254", "link-local address"),  # the cloud's metadata service
        ("0.0.0.0", "unspecified address"),  # noqa: S104 — an address to refuse, not to bind
        ("224.0.0.1", "multicast address"),
        ("100.64.0.1", "non-public address"),  # shared (carrier-grade NAT) space
        ("192.0.2.10", "private address"),  # documentation space
        ("::1", "loopback address"),
        ("::", "unspecified address"),
        ("fe80::1", "link-local address"),
        ("fd00::1", "private address"),
        ("ff02::1", "multicast address"),
        ("::ffff:127.0.0.1", "loopback address"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private address"),
        ("2002:7f00:1::", "loopback address"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local address"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private address"),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback address"),  # NAT64 of 127.0.0.1
        ("::127.0.0.1", "loopback address"),  # the deprecated IPv4-compatible form
        ("93.184.215.14", ""),
        ("2606:4700:4700::1111", ""),
        ("64:ff9b::808:808", ""),  # NAT64 of a public address
    ],
)
def test_address_refusal_names_the_class_of_every_non_public_address(settings, address, refusal):
    settings.EGRESS_ALLOW = []
    assert egress.address_refusal(address) == refusal


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("10.20.3.4", ""),
        ("::ffff:10.20.3.4", ""),
        ("10.21.0.1", "private address"),
        ("127.0.0.1", "loopback address"),
    ],
)
def test_the_operator_allow_list_opens_exactly_its_networks(settings, address, refusal):
    settings.EGRESS_ALLOW = ["10.20.0.0/16"]
    assert egress.address_refusal(address) == refusal


def test_a_name_is_refused_when_any_of_its_addresses_is_not_public(settings, monkeypatch):
    settings.EGRESS_ALLOW = []
    monkeypatch.setattr(egress, "_resolver", lambda host, port: ["93.184.215.14", "10.0.0.1"])
    with pytest.raises(egress.Refused, match="refused: private address"):
        egress.checked_address("mixed.example", 443)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "must start with"),
        ("gopher://127.0.0.1/", "must start with"),
        ("http://user:pw@93.184.215.14/", "credentials"),
        ("http:///path-only", "no host"),
        ("http://93.184.215.14:notaport/", "not a valid URL"),
    ],
)
def test_urls_of_the_wrong_form_are_refused(url, message):
    with pytest.raises(egress.Refused, match=message):
        egress.check_url(url)


def test_the_connection_goes_to_the_checked_address_not_to_a_second_answer(settings, monkeypatch):
    """The name answers an allowed address once and a forbidden one afterwards: one
    exchange asks once and connects there; the next is refused; 127.0.0.2 sees nothing."""
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    answers = iter([["127.0.0.1"]])
    queries: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        queries.append(host)
        return next(answers, ["127.0.0.2"])

    monkeypatch.setattr(egress, "_resolver", rebinding)
    allowed, hidden = servers_on_one_port("127.0.0.1", "127.0.0.2")
    with allowed, hidden:
        url = f"http://system.rebind.test:{allowed.port}/x"
        assert egress.request("GET", url).status == 200
        with pytest.raises(egress.Refused, match="loopback"):
            egress.request("GET", url)
    assert queries == ["system.rebind.test", "system.rebind.test"]
    assert len(allowed.calls) == 1
    assert allowed.calls[0]["headers"]["Host"] == f"system.rebind.test:{allowed.port}"
    assert hidden.calls == []


def test_a_redirect_is_an_answer_not_a_second_request(settings):
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    with (
        LoggingServer() as target,
        LoggingServer(answer=(302, {"Location": target.url}, b"")) as first,
    ):
        response = egress.request("GET", first.url)
    assert response.status == 302
    assert egress.status_text(response) == "HTTP 302 (redirects are not followed)"
    assert target.calls == []


def test_an_oversized_answer_is_refused(settings):
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    with LoggingServer(answer=(200, {}, b"x" * 5000)) as system, pytest.raises(egress.TooLarge):
        egress.request("GET", system.url, max_bytes=1000)


def test_a_refused_destination_is_never_connected_to(settings):
    settings.EGRESS_ALLOW = []
    with (
        LoggingServer() as internal,
        pytest.raises(egress.Refused, match="refused: loopback address"),
    ):
        egress.request("POST", internal.url, body=b"{}")
    assert internal.calls == []


def test_a_name_with_several_checked_addresses_is_reached_on_the_one_that_answers(
    settings, monkeypatch
):
    """An address the machine cannot reach (here nothing listens on 127.0.0.3) is skipped
    for the next checked one, without asking DNS again."""
    settings.EGRESS_ALLOW = ["127.0.0.0/8"]
    queries: list[str] = []

    def two_addresses(host: str, port: int) -> list[str]:
        queries.append(host)
        return ["127.0.0.3", "127.0.0.1"]

    monkeypatch.setattr(egress, "_resolver", two_addresses)
    with LoggingServer() as system:
        assert egress.request("GET", f"http://dual.example:{system.port}/").status == 200
    assert queries == ["dual.example"] and len(system.calls) == 1
