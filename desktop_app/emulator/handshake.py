"""The emulator's HTTP front: which upgrade requests it accepts, and how a client is told to reach it.

Pure functions over a request's path and headers; the server calls :func:`refuse_unknown_path` from
``process_request`` (before the WebSocket upgrade) and :func:`request_key` once the setup arrives.
"""

from __future__ import annotations

import os
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

__all__ = ["MAX_MESSAGE_BYTES", "client_env", "match_path", "refuse_unknown_path", "request_key"]

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # inline images may be several MB, base64 adds a third
_PATH = re.compile(
    r"(?:^|/)google\.ai\.generativelanguage\.(v1|v1beta|v1alpha)\.GenerativeService\."
    r"(BidiGenerateContent|BidiGenerateContentConstrained)$"
)


def client_env(base_url: str, ca_file: str | os.PathLike[str], api_key: str = "anything") -> dict[str, str]:
    """The environment that points an unmodified google-genai program at an emulator: its base URL, the CA
    that signed its certificate, and a key (any key, unless the emulator has ``accepted_keys``)."""
    return {
        "GOOGLE_GEMINI_BASE_URL": base_url,
        "SSL_CERT_FILE": os.fspath(ca_file),
        "GEMINI_API_KEY": api_key,
    }


def match_path(path: str) -> str | None:
    """The API version if ``path`` (query ignored, repeated slashes collapsed) ends in the Live method."""
    collapsed = re.sub(r"/{2,}", "/", urlsplit(path).path)
    found = _PATH.search(collapsed)
    return found.group(1) if found else None


def request_key(path: str, headers: Headers) -> str:
    """The API key or token of a handshake: ``x-goog-api-key``, ``?key=``, ``?access_token=`` or
    ``Authorization: Token …`` / ``Bearer …``, in that order. Empty if none was given."""
    key = headers.get("x-goog-api-key", "")
    if key:
        return key
    query = parse_qs(urlsplit(path).query)
    for name in ("key", "access_token"):
        if query.get(name):
            return query[name][0]
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer"):
        return credentials.strip()
    return ""


def refuse_unknown_path(connection: ServerConnection, request: Request) -> Response | None:
    """A 404 for any path but the Live method's (pass as ``process_request``); None lets the upgrade on."""
    if match_path(request.path) is None:
        return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
    return None
