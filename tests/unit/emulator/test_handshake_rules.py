"""Which request paths and credentials the emulator's handshake accepts (pure helpers, no sockets)."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers

from desktop_app.emulator.config import EmulatorConfig
from desktop_app.emulator.handshake import match_path, request_key

METHOD = "google.ai.generativelanguage.{v}.GenerativeService.{m}"


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("/ws/" + METHOD.format(v="v1beta", m="BidiGenerateContent"), "v1beta"),
        ("//ws/" + METHOD.format(v="v1beta", m="BidiGenerateContent"), "v1beta"),  # what the SDK sends
        ("/prefix//ws/" + METHOD.format(v="v1alpha", m="BidiGenerateContentConstrained"), "v1alpha"),
        ("/ws/" + METHOD.format(v="v1", m="BidiGenerateContent") + "?key=k", "v1"),
        ("/" + METHOD.format(v="v1", m="BidiGenerateContent"), "v1"),
    ],
)
def test_live_paths_are_accepted(path: str, version: str) -> None:
    assert match_path(path) == version


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ws/" + METHOD.format(v="v2", m="BidiGenerateContent"),
        "/ws/" + METHOD.format(v="v1beta", m="GenerateContent"),
        "/ws/" + METHOD.format(v="v1beta", m="BidiGenerateContent") + "/extra",
        "/ws/xgoogle.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
    ],
)
def test_other_paths_are_not(path: str) -> None:
    assert match_path(path) is None


def test_the_key_comes_from_the_header_then_the_query_then_authorization() -> None:
    assert request_key("/p?key=q", Headers({"x-goog-api-key": "h"})) == "h"
    assert request_key("/p?key=q", Headers()) == "q"
    assert request_key("/p?access_token=t", Headers()) == "t"
    assert request_key("/p", Headers({"Authorization": "Token auth_tokens/abc"})) == "auth_tokens/abc"
    assert request_key("/p", Headers({"Authorization": "Basic xyz"})) == ""
    assert request_key("/p", Headers()) == ""


def test_key_acceptance_rules() -> None:
    anything = EmulatorConfig()
    assert anything.key_accepted("whatever") and not anything.key_accepted("")
    listed = EmulatorConfig(accepted_keys=frozenset({"good"}), rejected_keys=frozenset({"bad"}))
    assert listed.key_accepted("good")
    assert not listed.key_accepted("other") and not listed.key_accepted("bad")
    assert not EmulatorConfig(rejected_keys=frozenset({"bad"})).key_accepted("bad")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pace": -1.0},
        {"chunk_ms": 0},
        {"go_away_after_s": -1.0},
        {"go_away_time_left_s": -1.0},
        {"host": "0.0.0.0"},
        {"host": "192.168.1.2"},
        {"host": "example.com"},
    ],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EmulatorConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_are_allowed(host: str) -> None:
    assert EmulatorConfig(host=host).host == host
