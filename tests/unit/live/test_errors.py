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


@pytest.mark.parametrize(
    ("code", "reason", "setting"),
    [
        (1007, "thinking_config is not supported by models/gemini-3.8-live.", "thinking"),
        (1007, "enable_affective_dialog is not supported by models/gemini-3.8-live.", "affective dialog"),
        (1007, "proactivity.proactive_audio cannot be false on models/gemini-3.8-live.", "proactive audio"),
        (1007, "client_content is only accepted as initial history.", "mid-session client content"),
        (1007, 'Invalid JSON payload received. Unknown name "mediaResolution"', "media resolution"),
        (1008, "customVocabulary is not supported for this model", "custom vocabulary"),
    ],
)
def test_a_refused_setting_is_named(code: int, reason: str, setting: str) -> None:
    err = classify_close(code, reason)
    assert isinstance(err, InvalidRequestError)
    assert str(err).startswith(f"The model refused the {setting} setting. Turn it off in Settings")
    assert reason in str(err)


def test_a_generic_refusal_names_the_model_specific_settings_that_were_sent() -> None:
    err = classify_exception(
        genai_errors.APIError(1007, "Request contains an invalid argument."),
        sent=("response_modality", "thinking_level"),
    )
    assert isinstance(err, InvalidRequestError)
    assert str(err).startswith(
        "The Live API refused the session settings; the likely cause is one of: "
        "text replies (TEXT modality), thinking level."
    )
    # without that knowledge the old sentence stays
    assert str(classify_close(1007, "Request contains an invalid argument.")).startswith(
        "The Live API refused the session settings or a message"
    )
