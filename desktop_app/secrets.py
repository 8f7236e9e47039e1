"""The Gemini API key at rest: the OS keyring where one works, otherwise a private file with a warning.

:func:`desktop_app.config.save_settings` never writes the key, so the key saved from the settings dialog
lives here. :class:`KeyStore` tries the ``keyring`` package first (Secret Service, macOS Keychain, Windows
Credential Locker). Without a usable keyring it writes ``secrets.json`` beside ``settings.json`` with
owner-only permissions and says so in :attr:`StoredKey.warning`, for the caller to show.

The environment wins over anything stored: :func:`apply_stored_key` fills ``Settings.api_key`` only when
``GEMINI_API_KEY``/``GOOGLE_API_KEY`` (already read by :func:`~desktop_app.config.load_settings`) gave none.

When the store is unavailable the fallback is said, never only logged: a keyring that cannot be read (locked,
its service not running) means the file is tried, and :attr:`StoredKey.warning` says the keyring failed and
what was done instead (the key from the file, or no key: enter it again or unlock the keyring); a key file
that cannot be parsed is a warning too. The environment variables always work, whatever the store's state.

Keyring calls may block (a D-Bus round trip, an unlock prompt): a GUI must call this module off its own
thread. Nothing here logs the key; :func:`mask_key` is the only form of it meant for people.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.config import Settings, config_dir

__all__ = [
    "KEYRING_SERVICE",
    "KeyLocation",
    "KeyStore",
    "StoredKey",
    "apply_stored_key",
    "mask_key",
]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "gemini-live-desktop"
_KEYRING_USER = "gemini-api-key"
_FILE_NAME = "secrets.json"

FILE_WARNING = (
    "No system keyring is available, so the key is stored in {path}, readable only by your user "
    "account. Install a keyring (for example GNOME Keyring or KWallet) to keep it encrypted."
)
KEYRING_FAILED = "The system keyring could not be read ({reason})."
NO_KEY_LOADED = (
    "No saved API key could be loaded: unlock or start the keyring and restart, enter the key again in "
    "Settings, or set GEMINI_API_KEY."
)
FILE_UNREADABLE = "The key file {path} cannot be read ({reason}); it is ignored."


class KeyLocation(enum.StrEnum):
    """Where a key was found or put."""

    KEYRING = "keyring"
    FILE = "file"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key and where it lives. ``warning`` is a sentence for the user (empty when all is well);
    ``failed``: the keyring or the key file could not be read, so the warning must be shown at once."""

    key: str | None = dataclasses.field(default=None, repr=False)
    location: KeyLocation = KeyLocation.NONE
    warning: str = ""
    failed: bool = False

    @property
    def masked(self) -> str:
        return mask_key(self.key)


def mask_key(key: str | None) -> str:
    """The key as it may be shown: dots and its last four characters (all dots for a short key)."""
    if not key:
        return ""
    return "••••" + key[-4:] if len(key) >= 12 else "••••"


class KeyStore:
    """Loads, saves and deletes the key. Construct anywhere (no I/O happens until a method is called).

    Args:
        directory: where the fallback file goes; defaults to the settings directory (``GLD_CONFIG_DIR``).
        backend: a ``keyring`` backend object (tests pass one); defaults to ``keyring.get_keyring()``.
    """

    def __init__(self, directory: Path | None = None, backend: Any | None = None) -> None:
        self._directory = directory
        self._backend = backend

    @property
    def file_path(self) -> Path:
        return (self._directory or config_dir()) / _FILE_NAME

    def _keyring(self) -> Any | None:
        """The keyring backend, or None when the package or a working backend is missing."""
        if self._backend is not None:
            return self._backend
        try:
            import keyring
            import keyring.backends.fail
        except ImportError:
            return None
        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            return None
        return backend

    def load(self) -> StoredKey:
        """The stored key, keyring first, then the file. ``StoredKey()`` when nothing was saved; when the
        keyring or the file failed, the result's ``warning`` says so (the caller must show it)."""
        problems: list[str] = []
        backend = self._keyring()
        if backend is not None:
            try:
                key = backend.get_password(KEYRING_SERVICE, _KEYRING_USER)
            except Exception as err:  # any keyring failure means "look in the file", said to the user
                log.info("the keyring could not be read (%s); trying the key file", type(err).__name__)
                problems.append(KEYRING_FAILED.format(reason=type(err).__name__))
            else:
                if key:
                    return StoredKey(key, KeyLocation.KEYRING)
        key = self._read_file(problems)
        if key:
            warning = " ".join([*problems, FILE_WARNING.format(path=self.file_path)])
            return StoredKey(key, KeyLocation.FILE, warning, failed=bool(problems))
        if problems:
            return StoredKey(warning=" ".join([*problems, NO_KEY_LOADED]), failed=True)
        return StoredKey()

    def save(self, key: str) -> StoredKey:
        """Store ``key`` (stripped) in the keyring, else in the private file with a warning.

        Raises:
            ValueError: the key is empty.
            OSError: neither the keyring nor the file could take it.
        """
        key = key.strip()
        if not key:
            raise ValueError("An empty API key cannot be saved.")
        backend = self._keyring()
        if backend is not None:
            try:
                backend.set_password(KEYRING_SERVICE, _KEYRING_USER, key)
            except Exception as err:
                log.info("the keyring refused the key (%s); using the key file", type(err).__name__)
            else:
                self._remove_file()  # one copy only: the keyring's
                return StoredKey(key, KeyLocation.KEYRING)
        self._write_file(key)
        return StoredKey(key, KeyLocation.FILE, FILE_WARNING.format(path=self.file_path))

    def delete(self) -> None:
        """Forget the key everywhere it may be stored."""
        backend = self._keyring()
        if backend is not None:
            with contextlib.suppress(Exception):  # "not found" is an error in some backends
                backend.delete_password(KEYRING_SERVICE, _KEYRING_USER)
        self._remove_file()

    def _read_file(self, problems: list[str]) -> str | None:
        """The key in the file; None when there is none. A file that cannot be read adds to ``problems``."""
        try:
            data = json.loads(self.file_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            log.info("the key file %s cannot be read (%s)", self.file_path, type(err).__name__)
            problems.append(FILE_UNREADABLE.format(path=self.file_path, reason=type(err).__name__))
            return None
        key = data.get("api_key") if isinstance(data, dict) else None
        return key.strip() if isinstance(key, str) and key.strip() else None

    def _write_file(self, key: str) -> None:
        path = self.file_path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"api_key": key}, f)
        os.replace(tmp, path)

    def _remove_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.file_path.unlink()


def apply_stored_key(
    settings: Settings, store: KeyStore | None = None, notices: list[str] | None = None
) -> Settings:
    """``settings`` with the stored key filled in, unless it already has one (from the environment).

    The store's warning (the keyring failed, the key came from the file) is appended to ``notices``,
    which the caller must show."""
    if settings.api_key:
        return settings
    stored = (store or KeyStore()).load()
    if stored.warning and notices is not None:
        notices.append(stored.warning)
    if not stored.key:
        return settings
    return dataclasses.replace(settings, api_key=stored.key)
