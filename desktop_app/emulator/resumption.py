"""What survives a reconnect: session snapshots behind resumption handles, shared by all connections.

The model issues a handle at each quiet point (:meth:`ResumptionStore.issue`); a later setup that carries
one is looked up (:meth:`ResumptionStore.lookup`) by the connection to continue from that snapshot.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ResumptionStore", "SessionState", "new_session_id"]


def new_session_id() -> str:
    """A fresh ``sessionId`` for ``setupComplete``."""
    return f"emulator-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class SessionState:
    """What survives a resumption: the session id and how many user turns were answered."""

    session_id: str
    turns: int = 0
    resumptions: int = 0


class ResumptionStore:
    """Resumption handles → session snapshots, shared by all connections of one emulator instance.

    Handles stay valid for the store's lifetime; resuming with an older handle resumes from that older point.
    """

    def __init__(self, new_handle: Callable[[], str] | None = None) -> None:
        self._new_handle = new_handle or (lambda: secrets.token_urlsafe(24))
        self._states: dict[str, SessionState] = {}

    def issue(self, state: SessionState) -> str:
        """A new handle for ``state`` (a snapshot: later turns do not change it)."""
        handle = self._new_handle()
        self._states[handle] = state
        return handle

    def lookup(self, handle: str) -> SessionState | None:
        """The snapshot behind ``handle``; None for a handle this store never issued."""
        return self._states.get(handle)

    def __len__(self) -> int:
        return len(self._states)
