"""Who may talk to the relay: the ``Origin`` rule for WebSocket upgrades and the ``Host`` rule.

A web page the user happens to visit can open a WebSocket to ``ws://127.0.0.1:9080`` and, without these
rules, spend the user's key. Browsers always send ``Origin`` on WebSocket upgrades, so an upgrade whose
``Origin`` is present and is neither a loopback page nor explicitly allowed is refused (HTTP 403).
Non-browser clients (which send no ``Origin``) are allowed: they already run on the user's machine.

The ``Host`` rule defends against DNS rebinding (a foreign site whose name resolves to 127.0.0.1): while
the relay listens on loopback, only loopback host names are accepted in ``Host``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from desktop_app.core.errors import ConfigError

__all__ = ["HostPolicy", "OriginPolicy", "is_loopback_host", "normalize_origin"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``::1`` (brackets allowed)."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_origin(origin: str) -> tuple[str, str, int | None] | None:
    """``"HTTP://LocalHost:8000/"`` → ``("http", "localhost", 8000)``; ``None`` when malformed.

    Only http and https origins are meaningful here; ``"null"`` (sandboxed frames, ``file://``) and
    any other scheme give ``None``. Default ports are made explicit (80, 443).
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port


class OriginPolicy:
    """Decides WebSocket upgrades by their ``Origin`` header.

    ``allow`` lists extra origins, e.g. ``http://myhost.lan:8000``; a port of ``*`` allows any port of
    that scheme and host. The wildcard ``*`` alone is refused: it would let every website in.
    """

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self._exact: set[tuple[str, str, int | None]] = set()
        self._any_port: set[tuple[str, str]] = set()
        for entry in allow:
            text = entry.strip()
            if text == "*":
                raise ConfigError(
                    "--allow-origin '*' would let any website use your key; list origins one by one."
                )
            if text.endswith(":*"):
                parsed = normalize_origin(text[:-2])
                if parsed is None:
                    raise ConfigError(f"Not an origin: {entry!r} (expected e.g. http://host:8000).")
                self._any_port.add(parsed[:2])
                continue
            parsed = normalize_origin(text)
            if parsed is None:
                raise ConfigError(f"Not an origin: {entry!r} (expected e.g. http://host:8000).")
            self._exact.add(parsed)

    def allows(self, origin: str | None) -> bool:
        """True when the upgrade may proceed: no ``Origin``, a loopback page, or a listed origin."""
        if origin is None:
            return True
        parsed = normalize_origin(origin)
        if parsed is None:
            return False
        scheme, host, _port = parsed
        if is_loopback_host(host):
            return True
        return parsed in self._exact or (scheme, host) in self._any_port

    @property
    def extra_hosts(self) -> frozenset[str]:
        """Host names of the listed origins (the :class:`HostPolicy` accepts them too)."""
        return frozenset({h for _, h, _ in self._exact} | {h for _, h in self._any_port})


class HostPolicy:
    """Decides requests by their ``Host`` header.

    ``enforce`` is on while the relay listens on loopback: then only loopback names, the bound host and
    ``extra_hosts`` pass. When the user chose a non-loopback bind address, every ``Host`` passes (the
    page may be reached under any of the machine's names), and the Origin rule still protects upgrades.
    """

    def __init__(self, *, enforce: bool, extra_hosts: Iterable[str] = ()) -> None:
        self._enforce = enforce
        self._extra = frozenset(h.lower() for h in extra_hosts)

    def allows(self, host_header: str | None) -> bool:
        if not self._enforce:
            return True
        if not host_header:
            return False
        try:
            host = urlsplit("//" + host_header.strip()).hostname
        except ValueError:
            return False
        if host is None:
            return False
        return is_loopback_host(host) or host in self._extra
