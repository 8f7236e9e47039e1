"""The error hierarchy. Every error the user can see is an :class:`AppError` with a readable message.

::

    AppError                      base; ``str(err)`` is a sentence for people
    ├── ConfigError               bad settings, bad flags, a file that cannot be read
    ├── MediaError                a missing or failing device, a bad input file
    └── LiveError                 the live session failed; ``retryable`` says whether to reconnect
        ├── AuthError             the key was refused (fatal)
        ├── ModelNotFoundError    the model id is not served for this API version (fatal)
        ├── InvalidRequestError   the service refused the setup or a message, close 1007 (fatal)
        ├── SessionNotFoundError  a resumption handle was refused (start a fresh session)
        ├── ServerError           1011 and other server faults (retryable)
        └── ConnectionLostError   the socket dropped, 1006, or the backend is unreachable (retryable)

Live errors are classified exactly once, where the SDK error is caught (``desktop_app.live.errors``); the rest
of the program only looks at the class and ``retryable``.
"""

from __future__ import annotations

__all__ = [
    "AppError",
    "AuthError",
    "ConfigError",
    "ConnectionLostError",
    "InvalidRequestError",
    "LiveError",
    "MediaError",
    "ModelNotFoundError",
    "ServerError",
    "SessionNotFoundError",
]


class AppError(Exception):
    """Base of every error meant for the user. ``str(err)`` must be a readable sentence."""


class ConfigError(AppError):
    pass


class MediaError(AppError):
    pass


class LiveError(AppError):
    """The live session failed.

    Attributes:
        code: the WebSocket close code when there was one.
        reason: the server's close reason (already redacted of secrets).
        retryable: whether reconnecting (with the resumption handle) can help.
    """

    retryable: bool = False
    kind: str = "live_error"

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class AuthError(LiveError):
    kind = "auth"


class ModelNotFoundError(LiveError):
    kind = "model_not_found"


class InvalidRequestError(LiveError):
    kind = "invalid_request"


class SessionNotFoundError(LiveError):
    kind = "session_not_found"


class ServerError(LiveError):
    kind = "server_error"
    retryable = True


class ConnectionLostError(LiveError):
    kind = "connection_lost"
    retryable = True
