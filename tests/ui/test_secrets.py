"""API key storage: the keyring first, a private file with a warning otherwise, the environment wins."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop_app.config import Settings
from desktop_app.secrets import KeyLocation, KeyStore, apply_stored_key, mask_key
from tests.ui.conftest import MemoryKeyring


def test_a_working_keyring_holds_the_key_and_no_file_is_written(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    store = KeyStore(tmp_path, backend=ring)
    saved = store.save("  AIzaSy-abcdefghijklmnop  ")
    assert (saved.location, saved.warning) == (KeyLocation.KEYRING, "")
    assert list(ring.store.values()) == ["AIzaSy-abcdefghijklmnop"]
    assert not store.file_path.exists()
    assert store.load().key == "AIzaSy-abcdefghijklmnop"
    store.delete()
    assert store.load().key is None and ring.store == {}


def test_without_a_keyring_the_key_goes_to_a_private_file_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    store = KeyStore(tmp_path / "cfg")
    saved = store.save("AIzaSy-file-fallback-0001")
    assert saved.location is KeyLocation.FILE
    assert str(store.file_path) in saved.warning and "keyring" in saved.warning
    assert stat.S_IMODE(store.file_path.stat().st_mode) == 0o600
    loaded = store.load()
    assert (loaded.key, loaded.location) == ("AIzaSy-file-fallback-0001", KeyLocation.FILE)
    assert loaded.warning
    store.delete()
    assert not store.file_path.exists() and store.load().key is None


def test_a_broken_keyring_falls_back_to_the_file_and_saving_to_a_keyring_removes_the_file(
    tmp_path: Path,
) -> None:
    broken = KeyStore(tmp_path, backend=MemoryKeyring(broken=True))
    assert broken.save("AIzaSy-broken-ring-0002").location is KeyLocation.FILE
    assert broken.load().key == "AIzaSy-broken-ring-0002"
    ring = MemoryKeyring()
    working = KeyStore(tmp_path, backend=ring)
    assert working.load().location is KeyLocation.FILE, "the old file is still read"
    working.save("AIzaSy-now-in-ring-0003")
    assert not working.file_path.exists(), "one copy only"
    assert working.load().location is KeyLocation.KEYRING


def test_bad_input_and_a_corrupt_file(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, backend=MemoryKeyring(broken=True))
    with pytest.raises(ValueError):
        store.save("   ")
    store.file_path.write_text("{not json", encoding="utf-8")
    assert store.load().key is None


def test_the_environment_wins_over_a_stored_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, backend=MemoryKeyring())
    assert apply_stored_key(Settings(), store).api_key is None
    store.save("AIzaSy-stored-0004")
    assert apply_stored_key(Settings(), store).api_key == "AIzaSy-stored-0004"
    assert apply_stored_key(Settings(api_key="from-env"), store).api_key == "from-env"


def test_masking_shows_at_most_the_last_four() -> None:
    assert mask_key(None) == ""
    assert mask_key("short") == "••••"
    assert mask_key("AIzaSy-0123456789") == "••••6789"
