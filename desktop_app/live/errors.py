"""Classify everything that can go wrong in a live session, once, into :mod:`desktop_app.core.errors`.

:func:`classify_close` is pure: a WebSocket close code and reason in, a :class:`LiveError` with a sentence a
user understands out. :func:`classify_exception` maps SDK and network exceptions through it. Secrets are
redacted from every reason before it is stored or shown.
"""

from __future__ import annotations

import ssl

from websockets.exceptions import ConnectionClosed

from desktop_app.core.errors import (
    AuthError,
    ConnectionLostError,
    InvalidRequestError,
    LiveError,
    ModelNotFoundError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.core.redaction import Redactor

__all__ = ["classify_close", "classify_exception", "redact"]


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove API keys (known ``secrets`` and anything shaped like a Google key) from ``text``."""
    return Redactor(secrets)(text)


def classify_close(code: int | None, reason: str, *, secrets: tuple[str, ...] = ()) -> LiveError:
    """Turn a close code and reason from the Live service into a classified, readable error."""
    reason = redact(reason.strip(), secrets)
    shown = f" (server said: {reason})" if reason else ""
    lowered = reason.lower()
    if code == 1007 and "api key" in lowered:
        return AuthError(
            "The API key was refused. Check GEMINI_API_KEY (or the key in Settings)" + shown,
            code=code,
            reason=reason,
        )
    if code == 1008 and "session not found" in lowered:
        return SessionNotFoundError(
            "The previous session could not be resumed; a fresh one is needed" + shown,
            code=code,
            reason=reason,
        )
    if code == 1008 and ("not found" in lowered or "not supported" in lowered):
        return ModelNotFoundError(
            "The model is not available for this API version. Choose another model in Settings" + shown,
            code=code,
            reason=reason,
        )
    if code == 1007:
        return InvalidRequestError(
            "The Live API refused the session settings or a message" + shown,
            code=code,
            reason=reason,
        )
    if code == 1008:
        return InvalidRequestError(
            "The Live API refused the request on policy grounds" + shown, code=code, reason=reason
        )
    if code == 1011 or code == 1013 or code == 1012:
        return ServerError(
            "The Live API had a server-side problem; reconnecting may help" + shown,
            code=code,
            reason=reason,
        )
    if code == 1000 or code == 1001:
        return ConnectionLostError("The Live API closed the connection" + shown, code=code, reason=reason)
    return ConnectionLostError("The connection to the Live API was lost" + shown, code=code, reason=reason)


def classify_exception(exc: BaseException, *, secrets: tuple[str, ...] = ()) -> LiveError:
    """Map any exception raised while connecting or talking to the Live API to a LiveError."""
    if isinstance(exc, LiveError):
        return exc
    if isinstance(exc, ConnectionClosed):  # a raw websockets close (not wrapped by the SDK)
        if exc.rcvd is not None:
            return classify_close(exc.rcvd.code, exc.rcvd.reason, secrets=secrets)
        return classify_close(1006, "Abnormal closure.", secrets=secrets)
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 1000 <= code <= 4999:
        details = getattr(exc, "details", None)
        reason = details if isinstance(details, str) else str(getattr(exc, "message", "") or "")
        return classify_close(code, reason, secrets=secrets)
    if isinstance(code, int) and code in (401, 403):
        return AuthError("The API key was refused. Check GEMINI_API_KEY (or the key in Settings).", code=code)
    if isinstance(exc, ssl.SSLError):
        return ConnectionLostError(
            f"A secure connection to the Live API could not be made ({redact(str(exc), secrets)}).",
        )
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionLostError("The Live API backend is unreachable (connection refused).")
    if isinstance(exc, OSError | TimeoutError):
        return ConnectionLostError(
            f"The Live API backend is unreachable ({redact(str(exc) or type(exc).__name__, secrets)})."
        )
    text = redact(str(exc) or type(exc).__name__, secrets)
    return ConnectionLostError(f"The live session failed unexpectedly: {text}")
