"""The relay's HTTP answers: every response carries the same safety headers; HTML pages get a
Content-Security-Policy that allows WebSockets only back to the host they were served from."""

from __future__ import annotations

import http
import json
import re
from collections.abc import Iterable
from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Response

from desktop_app.relay.static import StaticFile, read_static

__all__ = ["csp", "file_response", "json_response", "plain", "response"]

_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def csp(host: str | None) -> str:
    """The page's Content-Security-Policy: its own origin, plus WebSockets to ``host`` if it is safe."""
    sockets = ""
    if host and _SAFE_HOST.match(host):
        sockets = f" ws://{host} wss://{host}"
    return (
        "default-src 'self'; "
        f"connect-src 'self'{sockets}; "
        "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def response(
    status: http.HTTPStatus, content_type: str, body: bytes, extra: Iterable[tuple[str, str]] = ()
) -> Response:
    """A complete response with the safety headers every answer carries, plus ``extra``."""
    headers = Headers(
        [
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            *extra,
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def plain(status: http.HTTPStatus, text: str) -> Response:
    return response(status, "text/plain; charset=utf-8", text.encode())


def json_response(payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, indent=2).encode()
    return response(http.HTTPStatus.OK, "application/json", body, [("Cache-Control", "no-store")])


def file_response(found: StaticFile, host: str | None) -> Response:
    """The file as a 200 (HTML with a Content-Security-Policy for ``host``), or a 404 if it vanished."""
    body = read_static(found)
    if body is None:
        return plain(http.HTTPStatus.NOT_FOUND, "Not Found\n")
    extra: list[tuple[str, str]] = [("Cache-Control", "no-cache")]
    if found.content_type.startswith("text/html"):
        extra.append(("Content-Security-Policy", csp(host)))
    return response(http.HTTPStatus.OK, found.content_type, body, extra)
