"""The standalone command's arguments and the lines it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.emulator.__main__ import banner, parse_args


def test_arguments_map_to_the_config(tmp_path: Path) -> None:
    config, verbose = parse_args(
        ["--port", "8443", "--pace", "0", "--go-away-after", "30", "--cert-dir", str(tmp_path), "-v"]
    )
    assert verbose
    assert (config.port, config.pace, config.go_away_after_s, config.cert_dir) == (8443, 0.0, 30.0, tmp_path)
    defaults, verbose = parse_args([])
    assert not verbose
    assert (defaults.port, defaults.pace, defaults.go_away_after_s, defaults.cert_dir) == (0, 1.0, None, None)


@pytest.mark.parametrize(
    ("argv", "message"), [(["--pace", "-1"], "pace"), (["--host", "0.0.0.0"], "loopback addresses only")]
)
def test_bad_arguments_are_refused(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err


async def test_the_banner_has_the_url_the_ca_and_paste_ready_environment(tmp_path: Path) -> None:
    async with Emulator(EmulatorConfig(cert_dir=tmp_path)) as emulator:
        text = banner(emulator)
    assert f"wss://127.0.0.1:{emulator.port}/ws/google.ai.generativelanguage." in text
    assert f"CA certificate: {emulator.ca_file}" in text
    assert emulator.ca_file is not None and emulator.ca_file.parent == tmp_path
    assert (
        f"GOOGLE_GEMINI_BASE_URL=https://127.0.0.1:{emulator.port} SSL_CERT_FILE={emulator.ca_file} "
        "GEMINI_API_KEY=anything"
    ) in text
    assert "not a model" in text
