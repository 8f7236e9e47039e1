"""Classify everything that can go wrong in a live session, once, into :mod:`desktop_app.core.errors`.

:func:`classify_close` is pure: a WebSocket close code and reason in, a :class:`LiveError` with a sentence a
user understands out. :func:`classify_exception` maps SDK and network exceptions through it. Secrets are
redacted from every reason before it is stored or shown.

A setup the model refuses (1007/1008) names the setting: from the reason when it names a field, else from
``sent``, the model-specific options the setup carried (``ConnectPlan.sent``): pass them when connecting.
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
from desktop_app.live.models import OPTION_LABELS

__all__ = ["classify_close", "classify_exception", "redact"]


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove API keys (known ``secrets`` and anything shaped like a Google key) from ``text``."""
    return Redactor(secrets)(text)


# Field names as a close reason may spell them (lower case, underscores removed) → the setting's label.
_FIELDS = (
    ("thinkingconfig", "thinking"),
    ("thinkinglevel", OPTION_LABELS["thinking_level"]),
    ("thinkingbudget", OPTION_LABELS["thinking_budget"]),
    ("includethoughts", OPTION_LABELS["include_thoughts"]),
    ("affectivedialog", OPTION_LABELS["affective_dialog"]),
    ("proactiv", OPTION_LABELS["proactive_audio"]),
    ("responsemodalities", OPTION_LABELS["response_modality"]),
    ("clientcontent", "mid-session client content"),
    ("functiondeclarations", "blocking function calls"),
    ("mediaresolution", OPTION_LABELS["media_resolution"]),
    ("languagecodes", OPTION_LABELS["transcription_languages"]),
    ("customvocabulary", OPTION_LABELS["custom_vocabulary"]),
    ("languagecode", OPTION_LABELS["speech_language"]),
)
_FIX = "Turn it off in Settings (or choose another model) and reconnect"


def _refused_setting(code: int | None, reason: str, sent: tuple[str, ...], shown: str) -> LiveError | None:
    if code not in (1007, 1008):
        return None
    folded = reason.lower().replace("_", "")
    label = next((label for key, label in _FIELDS if key in folded), None)
    if label is not None:
        return InvalidRequestError(
            f"The model refused the {label} setting. {_FIX}" + shown, code=code, reason=reason
        )
    if code == 1007 and "invalid argument" in folded and sent:
        labels = ", ".join(OPTION_LABELS.get(name, name) for name in sent)
        return InvalidRequestError(
            f"The Live API refused the session settings; the likely cause is one of: {labels}. {_FIX}"
            + shown,
            code=code,
            reason=reason,
        )
    return None


def classify_close(
    code: int | None, reason: str, *, secrets: tuple[str, ...] = (), sent: tuple[str, ...] = ()
) -> LiveError:
    """Turn a close code and reason from the Live service into a classified, readable error.

    ``sent``: the model-specific options (``OPTION_LABELS`` keys) the setup carried, named when the service
    refuses the setup without saying which field it objects to."""
    reason = redact(reason.strip(), secrets)
    shown = f" (server said: {reason})" if reason else ""
    lowered = reason.lower()
    if code == 1007 and "api key" in lowered:
        return AuthError(
            "The API key was refused. Check GEMINI_API_KEY (or the key in Settings)" + shown,
            code=code,
            reason=reason,
        )
    setting = _refused_setting(code, reason, sent, shown)
    if setting is not None:
        return setting
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


def classify_exception(
    exc: BaseException, *, secrets: tuple[str, ...] = (), sent: tuple[str, ...] = ()
) -> LiveError:
    """Map any exception raised while connecting or talking to the Live API to a LiveError (``sent``: as
    for :func:`classify_close`; pass ``ConnectPlan.sent`` for errors of the connection's setup)."""
    if isinstance(exc, LiveError):
        return exc
    if isinstance(exc, ConnectionClosed):  # a raw websockets close (not wrapped by the SDK)
        if exc.rcvd is not None:
            return classify_close(exc.rcvd.code, exc.rcvd.reason, secrets=secrets, sent=sent)
        return classify_close(1006, "Abnormal closure.", secrets=secrets)
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 1000 <= code <= 4999:
        details = getattr(exc, "details", None)
        reason = details if isinstance(details, str) else str(getattr(exc, "message", "") or "")
        return classify_close(code, reason, secrets=secrets, sent=sent)
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
