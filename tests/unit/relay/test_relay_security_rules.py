"""The relay security rules as pure functions: Origin and Host policies, static paths, redaction."""

from __future__ import annotations

import http
import logging
import os
from pathlib import Path

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.relay.origin import HostPolicy, OriginPolicy, is_loopback_host, normalize_origin
from desktop_app.relay.redact import REDACTED, RedactingFilter, Redactor
from desktop_app.relay.static import StaticFile, resolve_static

# --- Origin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "http://localhost:8000",
        "http://127.0.0.1:9080",
        "http://[::1]:5000",
        "http://LOCALHOST",
        "https://localhost:8443",
        "http://127.1.2.3:80",
        "http://app.localhost:3000",
    ],
)
def test_loopback_pages_and_originless_clients_are_allowed(origin: str | None) -> None:
    assert OriginPolicy().allows(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "null",
        "file://",
        "chrome-extension://abcdef",
        "http://192.168.1.5:9080",
        "http://[::2]:80",
        "",
        "http://localhost:notaport",
        "http://user@localhost",
    ],
)
def test_foreign_origins_are_refused(origin: str) -> None:
    assert not OriginPolicy().allows(origin)


def test_listed_origins_and_port_wildcards() -> None:
    policy = OriginPolicy(["http://myhost.lan:8000/", "https://Other.Example:*"])
    assert policy.allows("http://myhost.lan:8000")
    assert not policy.allows("http://myhost.lan:8001")
    assert not policy.allows("https://myhost.lan:8000")
    assert policy.allows("https://other.example:1234")
    assert policy.allows("https://other.example")
    assert not policy.allows("http://other.example")
    assert policy.extra_hosts == {"myhost.lan", "other.example"}


@pytest.mark.parametrize("entry", ["*", "evil", "ftp://x", "http://x/path"])
def test_bad_allow_entries_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError):
        OriginPolicy([entry])


def test_normalize_origin_default_ports() -> None:
    assert normalize_origin("HTTP://LocalHost") == ("http", "localhost", 80)
    assert normalize_origin("https://a.b") == ("https", "a.b", 443)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


def test_host_policy_blocks_rebinding_only_while_on_loopback() -> None:
    strict = HostPolicy(enforce=True, extra_hosts=["myhost.lan"])
    assert strict.allows("127.0.0.1:9080")
    assert strict.allows("localhost")
    assert strict.allows("[::1]:9080")
    assert strict.allows("myhost.lan:9080")
    assert not strict.allows("evil.example:9080")
    assert not strict.allows(None)
    assert not strict.allows("[bad")
    assert HostPolicy(enforce=False).allows("anything.example")


# --- static files -----------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html>")
    (root / "js" / "app.js").write_text("export {};")
    (root / "style.css").write_text("body{}")
    (root / ".hidden").write_text("secret")
    (tmp_path / "outside.txt").write_text("outside")
    (root / "link-out.txt").symlink_to(tmp_path / "outside.txt")
    (root / "dir-out").symlink_to(tmp_path)
    (root / "link-in.js").symlink_to(root / "js" / "app.js")
    return root


@pytest.mark.parametrize(
    ("target", "relative", "content_type"),
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/index.html?v=3#x", "index.html", "text/html; charset=utf-8"),
        ("/js/app.js", "js/app.js", "text/javascript; charset=utf-8"),
        ("//js//app.js", "js/app.js", "text/javascript; charset=utf-8"),
        ("/%73tyle.css", "style.css", "text/css; charset=utf-8"),
        ("/link-in.js", "js/app.js", "text/javascript; charset=utf-8"),
    ],
)
def test_files_inside_the_root_are_served(site: Path, target: str, relative: str, content_type: str) -> None:
    found = resolve_static(site, target)
    assert found == StaticFile((site / relative).resolve(), content_type)


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/../outside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/%2e%2e/outside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/%2E%2E%2Foutside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/js/%2e%2e/%2e%2e/outside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/js/..%2f..%2foutside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/..%5coutside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/js\\..\\..\\outside.txt", http.HTTPStatus.BAD_REQUEST),
        ("/index.html%00.js", http.HTTPStatus.BAD_REQUEST),
        ("/.hidden", http.HTTPStatus.BAD_REQUEST),
        ("/%ff%fe", http.HTTPStatus.BAD_REQUEST),
        ("/C:/Windows/win.ini", http.HTTPStatus.BAD_REQUEST),
        ("index.html", http.HTTPStatus.BAD_REQUEST),
        ("//etc/passwd", http.HTTPStatus.NOT_FOUND),
        ("/etc/passwd", http.HTTPStatus.NOT_FOUND),
        ("/%2fetc%2fpasswd", http.HTTPStatus.NOT_FOUND),
        ("/%252e%252e/outside.txt", http.HTTPStatus.NOT_FOUND),  # decoded once: a literal "%2e%2e" name
        ("/link-out.txt", http.HTTPStatus.NOT_FOUND),
        ("/dir-out/outside.txt", http.HTTPStatus.NOT_FOUND),
        ("/js", http.HTTPStatus.NOT_FOUND),
        ("/missing.js", http.HTTPStatus.NOT_FOUND),
    ],
)
def test_nothing_outside_the_root_is_reachable(site: Path, target: str, status: http.HTTPStatus) -> None:
    assert resolve_static(site, target) == status


def test_a_root_that_is_itself_a_symlink_still_serves(site: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    os.symlink(site, alias)
    found = resolve_static(alias, "/js/app.js")
    assert isinstance(found, StaticFile)
    assert found.path == (site / "js" / "app.js").resolve()


# --- redaction ---------------------------------------------------------------------------------------


def test_redactor_removes_the_key_and_key_shapes() -> None:
    redact = Redactor(["my-secret-key", None, "ab"])
    text = redact(
        "bad my-secret-key; AIzaSyA1234567890abcdefghijklmnopqrstu; "
        "wss://h/ws?key=zzz&x=1; x-goog-api-key: qqq; auth_tokens/abc.def"
    )
    assert "my-secret-key" not in text
    assert "AIzaSy" not in text
    assert "zzz" not in text and "qqq" not in text and "abc.def" not in text
    assert text.count(REDACTED) == 5
    assert "ab" in redact("ab cd")  # too short to be a key: left alone


def test_redacting_filter_rewrites_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.relay.redact")
    filt = RedactingFilter(Redactor(["topsecret"]))
    logger.addFilter(filt)
    try:
        with caplog.at_level(logging.INFO, logger="test.relay.redact"):
            logger.info("key is %s", "topsecret")
            try:
                raise ValueError("topsecret in an exception")
            except ValueError:
                logger.info("failed", exc_info=True)
    finally:
        logger.removeFilter(filt)
    assert "topsecret" not in caplog.text
    assert f"key is {REDACTED}" in caplog.text
    assert f"ValueError: {REDACTED} in an exception" in caplog.text
