"""Pure parts of forwarding: target shorthands, routes, where a request goes, which headers go on."""

from __future__ import annotations

import pytest

from hookdev.forward import (
    HOP_BY_HOP,
    Route,
    forward_headers,
    match_route,
    parse_route,
    parse_target,
    route_url,
    target_url,
)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("3000", "http://localhost:3000"),
        (" 3000 ", "http://localhost:3000"),
        (":3000", "http://localhost:3000"),
        ("3000/hooks", "http://localhost:3000/hooks"),
        (":3000/hooks", "http://localhost:3000/hooks"),
        ("localhost:3000", "http://localhost:3000"),
        ("app.local:8080/x", "http://app.local:8080/x"),
        ("app.local", "http://app.local"),
        ("127.0.0.1:9000/in?x=1", "http://127.0.0.1:9000/in?x=1"),
        ("[::1]:3000", "http://[::1]:3000"),
        ("http://localhost:3000/hooks", "http://localhost:3000/hooks"),
        ("https://example.com/hooks", "https://example.com/hooks"),
        ("HTTPS://example.com", "HTTPS://example.com"),
        ("65535", "http://localhost:65535"),
    ],
)
def test_parse_target_shorthands(text: str, url: str) -> None:
    assert parse_target(text) == url


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty target"),
        ("   ", "empty target"),
        ("abc def", "whitespace"),
        ("ftp://x", "unsupported scheme 'ftp'"),
        ("ws://x:1", "unsupported scheme 'ws'"),
        ("65536", "1 to 65535"),
        (":70000", "1 to 65535"),
        ("localhost:99999/x", "1 to 65535"),
        ("0", "1 to 65535"),
        ("localhost:abc", "1 to 65535"),
        ("http://", "no valid host"),
        ("http:///path", "no valid host"),
        ("host<x>:80", "no valid host"),
        ("localhost:3000/#frag", "fragment"),
    ],
)
def test_parse_target_rejects_bad_input_with_one_line_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_target(text)
    message = str(info.value)
    assert reason in message
    assert "\n" not in message


def test_parse_route() -> None:
    assert parse_route("/stripe=http://localhost:3000/stripe") == Route(
        "/stripe", "http://localhost:3000/stripe"
    )
    assert parse_route("/gh/=3001") == Route("/gh", "http://localhost:3001")
    assert parse_route("/=:4000/all") == Route("/", "http://localhost:4000/all")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("stripe=3000", "must start with '/'"),
        ("/stripe", "/prefix=target"),
        ("/stripe=", "empty target"),
        ("/stripe=ftp://x", "unsupported scheme"),
        ("/a b=3000", "plain path"),
        ("/a?x=3000", "plain path"),
    ],
)
def test_parse_route_rejects_bad_input(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("?", r"\?")):
        parse_route(text)


def test_match_route_longest_prefix_on_whole_segments() -> None:
    routes = [
        Route("/stripe", "http://localhost:3000"),
        Route("/stripe/connect", "http://localhost:3001"),
        Route("/", "http://localhost:3002"),
    ]
    assert match_route(routes, "/stripe") is routes[0]
    assert match_route(routes, "/stripe/x") is routes[0]
    assert match_route(routes, "/stripe/connect/y") is routes[1]
    assert match_route(routes, "/stripex") is routes[2]
    assert match_route(routes, "/") is routes[2]
    assert match_route(routes[:2], "/stripex") is None
    assert match_route(routes[:2], "/github") is None
    assert match_route([], "/x") is None


@pytest.mark.parametrize(
    ("target", "path", "query", "url"),
    [
        ("http://localhost:3000", "/hooks/x", "", "http://localhost:3000/hooks/x"),
        ("http://localhost:3000/", "/hooks/x", "a=1&b=%20", "http://localhost:3000/hooks/x?a=1&b=%20"),
        ("http://localhost:3000", "", "", "http://localhost:3000/"),
        ("http://localhost:3000/webhooks", "/anything", "", "http://localhost:3000/webhooks"),
        ("http://localhost:3000/webhooks", "/anything", "z=9", "http://localhost:3000/webhooks?z=9"),
        ("http://localhost:3000/in?key=k", "/x", "z=9", "http://localhost:3000/in?key=k&z=9"),
        (
            "http://localhost:3000",
            "/a%2Fb/%C3%A9",
            "q=%E2%9C%93",
            "http://localhost:3000/a%2Fb/%C3%A9?q=%E2%9C%93",
        ),
    ],
)
def test_target_url(target: str, path: str, query: str, url: str) -> None:
    assert target_url(target, path, query) == url


@pytest.mark.parametrize(
    ("route", "path", "query", "url"),
    [
        ("/stripe=http://localhost:3000/stripe", "/stripe/events", "", "http://localhost:3000/stripe/events"),
        ("/stripe=http://localhost:3000/stripe", "/stripe", "", "http://localhost:3000/stripe"),
        ("/stripe=http://localhost:3000/stripe", "/stripe/", "", "http://localhost:3000/stripe"),
        ("/stripe=http://localhost:3000/in/", "/stripe/a/b", "x=1", "http://localhost:3000/in/a/b?x=1"),
        ("/stripe=http://localhost:3000/in/", "/stripe", "", "http://localhost:3000/in/"),
        ("/stripe=http://localhost:3000", "/stripe/events", "x=1", "http://localhost:3000/stripe/events?x=1"),
        ("/=http://localhost:3000/all", "/a/b", "", "http://localhost:3000/all/a/b"),
        ("/=http://localhost:3000/all", "/", "", "http://localhost:3000/all"),
    ],
)
def test_route_url(route: str, path: str, query: str, url: str) -> None:
    assert route_url(parse_route(route), path, query) == url


def test_forward_headers_drops_hop_by_hop_and_rewrites_host() -> None:
    headers = [
        ("X-First", "1"),
        ("Host", "abc.relay.example:443"),
        ("Connection", "keep-alive, X-Conn-Only"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "12"),
        ("X-Conn-Only", "gone"),
        ("webhook-signature", "v1,aaa"),
        ("X-Dup", "a"),
        ("Upgrade", "h2c"),
        ("X-Dup", "b"),
        ("TE", "trailers"),
        ("Content-Type", "application/json"),
    ]
    out = forward_headers(headers, "http://user:pw@localhost:3000/hooks?x=1")
    assert out == [
        ("X-First", "1"),
        ("Host", "localhost:3000"),
        ("webhook-signature", "v1,aaa"),
        ("X-Dup", "a"),
        ("X-Dup", "b"),
        ("Content-Type", "application/json"),
    ]


def test_forward_headers_without_host_puts_it_first_and_keeps_case() -> None:
    out = forward_headers([("x-a", "1"), ("X-B", "2")], "https://example.com/x")
    assert out == [("Host", "example.com"), ("x-a", "1"), ("X-B", "2")]
    assert forward_headers([("host", "x")], "http://[::1]:8080") == [("host", "[::1]:8080")]


def test_hop_by_hop_set() -> None:
    assert {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer"} <= HOP_BY_HOP
    assert "content-type" not in HOP_BY_HOP
