"""How the emulator refuses a client: :class:`WireError` and the close codes and reasons the service uses.

Raise :class:`WireError` anywhere in parsing or turn logic; the connection closes with its ``code`` and
``reason``. Reasons are cut to what a close frame can carry, as the service's are.
"""

from __future__ import annotations

__all__ = [
    "API_KEY_INVALID",
    "CLIENT_CONTENT_HISTORY_ONLY",
    "DEADLINE_EXPIRED",
    "INTERNAL",
    "INTERNAL_ERROR",
    "INVALID_ARGUMENT",
    "INVALID_PAYLOAD",
    "POLICY_VIOLATION",
    "SESSION_NOT_FOUND",
    "WireError",
    "close_reason",
    "invalid",
    "model_not_found",
]

# Close codes (RFC 6455) the service uses for errors.
INVALID_PAYLOAD = 1007
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011

INVALID_ARGUMENT = "Request contains an invalid argument."
API_KEY_INVALID = "API Key not found. Please pass a valid API key."
SESSION_NOT_FOUND = "BidiGenerateContent session not found"
DEADLINE_EXPIRED = "Deadline expired before operation could complete."
INTERNAL = "Internal error encountered."
# 3.1 Flash Live closes 1007 on mid-session clientContent (livekit/agents PR #5251); the wording is the
# emulator's and names the field, as model_rules' reasons do.
CLIENT_CONTENT_HISTORY_ONLY = "client_content is accepted only as initial history on this model."

MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code


def close_reason(text: str) -> str:
    """``text`` cut to the 123 UTF-8 bytes a close frame can carry (on a character boundary), as the
    service's reasons are ("…Call ListMo")."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_REASON_BYTES:
        return text
    return raw[:MAX_REASON_BYTES].decode("utf-8", errors="ignore")


class WireError(Exception):
    """The client broke the protocol: close the connection with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = close_reason(reason)
        super().__init__(f"{code} {self.reason}")


def invalid(reason: str = INVALID_ARGUMENT) -> WireError:
    """1007 with ``reason``: the error for a message the service would not parse or accept."""
    return WireError(INVALID_PAYLOAD, reason)


def model_not_found(model: str, api_version: str) -> WireError:
    """1008 for a model this API version does not serve (the reason gets cut at 123 bytes, as real)."""
    name = model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
    return WireError(
        POLICY_VIOLATION,
        f"{name} is not found for API version {api_version}, or is not supported for "
        "bidiGenerateContent. Call ListModels to see the list of available models and their "
        "supported methods.",
    )
