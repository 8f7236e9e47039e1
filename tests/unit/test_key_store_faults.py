"""The key store unavailable: the keyring fails or the key file is corrupt → the documented fallback, said."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.config import Settings
from desktop_app.secrets import KeyLocation, KeyStore, apply_stored_key


class LockedKeyring:
    """A keyring whose every call fails, as a locked or stopped Secret Service does."""

    def get_password(self, *_args: Any) -> str | None:
        raise RuntimeError("the collection is locked")

    def set_password(self, *_args: Any) -> None:
        raise RuntimeError("the collection is locked")

    def delete_password(self, *_args: Any) -> None:
        raise RuntimeError("the collection is locked")


def test_a_locked_keyring_with_no_key_file_says_the_key_could_not_be_loaded(tmp_path: Path) -> None:
    stored = KeyStore(tmp_path, backend=LockedKeyring()).load()
    assert stored.key is None and stored.location is KeyLocation.NONE and stored.failed
    assert "keyring could not be read (RuntimeError)" in stored.warning
    assert "No saved API key could be loaded" in stored.warning and "GEMINI_API_KEY" in stored.warning


def test_a_locked_keyring_falls_back_to_the_key_file_and_says_both(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, backend=LockedKeyring())
    saved = store.save("AIzaSy-file-fallback-0001")
    assert saved.location is KeyLocation.FILE and not saved.failed  # saving said where it went
    loaded = store.load()
    assert loaded.key == "AIzaSy-file-fallback-0001" and loaded.failed
    assert "keyring could not be read" in loaded.warning and str(store.file_path) in loaded.warning
    assert "AIzaSy" not in loaded.warning


def test_a_corrupt_key_file_is_said_and_headless_hears_it(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, backend=LockedKeyring())
    store.file_path.write_text("{not json", encoding="utf-8")
    notices: list[str] = []
    settings = apply_stored_key(Settings(), store, notices)
    assert settings.api_key is None
    assert len(notices) == 1 and f"The key file {store.file_path} cannot be read" in notices[0]


def test_nothing_saved_and_no_keyring_is_not_a_failure(tmp_path: Path) -> None:
    class EmptyKeyring(LockedKeyring):
        def get_password(self, *_args: Any) -> str | None:
            return None

    stored = KeyStore(tmp_path, backend=EmptyKeyring()).load()
    assert (stored.key, stored.warning, stored.failed) == (None, "", False)
    notices: list[str] = []
    apply_stored_key(Settings(), KeyStore(tmp_path, backend=EmptyKeyring()), notices)
    assert notices == []
