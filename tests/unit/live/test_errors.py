import pytest
from google.genai import errors as genai_errors

from desktop_app.core.errors import (
    AuthError,
    ConnectionLostError,
    InvalidRequestError,
    ModelNotFoundError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.live.errors import classify_close, classify_exception, redact


@pytest.mark.parametrize(
    ("code", "reason", "cls", "retryable"),
    [
        (1007, "API Key not found. Please pass a valid API key.", AuthError, False),
        (1007, 'Invalid JSON payload received. Unknown name "x"', InvalidRequestError, False),
        (1008, "models/x is not found for API version v1beta", ModelNotFoundError, False),
        (1008, "BidiGenerateContent session not found", SessionNotFoundError, False),
        (1011, "Internal error encountered.", ServerError, True),
        (1006, "Abnormal closure.", ConnectionLostError, True),
    ],
)
def test_close_codes_are_classified(code: int, reason: str, cls: type, retryable: bool) -> None:
    err = classify_close(code, reason)
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.code == code
    assert reason in str(err)


def test_bad_key_reads_as_a_sentence_and_never_contains_the_key() -> None:
    key = "AIzaSyA-very-secret-key-123456"
    err = classify_exception(genai_errors.APIError(1007, f"API key not valid: {key}"), secrets=(key,))
    assert isinstance(err, AuthError)
    assert str(err).startswith("The API key was refused")
    assert key not in str(err)


def test_network_errors_are_retryable() -> None:
    err = classify_exception(ConnectionRefusedError(111, "Connection refused"))
    assert isinstance(err, ConnectionLostError) and err.retryable
    assert "unreachable" in str(err)


def test_redact_patterns() -> None:
    assert redact("wss://x/ws?key=abc123&alt=1") == "wss://x/ws?key=[redacted]&alt=1"
    assert "AIza" not in redact("key AIzaSyDUMMYDUMMYDUMMY12")
    assert redact("token auth_tokens/abc.def") == "token [redacted]"
