"""One session with the desktop portal's GlobalShortcuts, on a D-Bus connection of its own, in a thread.

:class:`PortalSession` does the whole conversation the portal asks for: ``CreateSession`` and its
``Response``, ``BindShortcuts`` with each key's description and preferred trigger and its ``Response``
(which says what the user actually allowed, perhaps with other triggers, perhaps nothing), then the
``Activated``/``Deactivated`` signals for the keys, until :meth:`PortalSession.stop`. Everything runs on the
thread ``portal-shortcuts``; the caller's two callbacks are called from it and must only hand off (the Qt
side emits a queued signal): ``on_bound(BindResult)`` when the portal answers, again whenever the bound keys
change (``ShortcutsChanged``, the desktop closing the session, the connection ending), and
``on_key(shortcut_id, pressed)`` per key event of a bound key.

Why jeepney and not QtDBus: ``BindShortcuts`` takes an ``a(sa{sv})``, and PySide6 cannot marshal that
(its ``QDBusArgument`` needs C++-registered struct types; building one by hand fails or crashes). Why not
``gdbus call`` (as the notifications do): the portal ties a session to the D-Bus connection that made it
and closes it when that connection goes, and each ``gdbus`` process is a connection that goes at once.
jeepney is pure Python and speaks every D-Bus type, so one connection holds the session for its life;
closing that connection (:meth:`stop`) ends the session in the portal as well.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, MessageType, message_bus, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

__all__ = ["BindResult", "PortalSession", "Shortcut"]

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SESSION = "org.freedesktop.portal.Session"
_tokens = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A key to ask for: shown to the user as ``description``, proposed as ``trigger`` (the XDG shortcut
    syntax, e.g. ``CTRL+ALT+space``; the user may choose another)."""

    description: str
    trigger: str


@dataclass(frozen=True, slots=True)
class BindResult:
    """What the portal bound: shortcut id → the trigger it reports (its ``trigger_description``, which
    may be empty when the desktop does not say). ``reason`` says why, when nothing was bound."""

    bound: dict[str, str] = field(default_factory=dict)
    reason: str = ""


class _Refused(Exception):
    """The portal answered a request with a non-zero response code, or not at all."""


class PortalSession:
    """See the module docstring. ``address`` is a D-Bus address (tests); default: the session bus.
    Call :meth:`start` once, :meth:`stop` before the application quits (idempotent, joins the thread)."""

    def __init__(
        self,
        shortcuts: Mapping[str, Shortcut],
        on_bound: Callable[[BindResult], None],
        on_key: Callable[[str, bool], None],
        *,
        address: str | None = None,
    ) -> None:
        self._shortcuts = dict(shortcuts)
        self._on_bound = on_bound
        self._on_key = on_key
        self._address = address or "SESSION"
        self._lock = threading.Lock()
        self._stopped = False
        self._sock: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, name="portal-shortcuts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End the session (closing our connection ends it in the portal) and join the thread."""
        with self._lock:
            self._stopped = True
            if self._sock is not None:
                with contextlib.suppress(OSError):  # already closed: nothing to wake
                    self._sock.shutdown(socket.SHUT_RDWR)  # wakes the thread's blocking receive
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    # --- the session thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            conn = open_dbus_connection(bus=self._address)
        except (OSError, KeyError, ValueError, RuntimeError) as err:
            self._on_bound(BindResult(reason=f"The session bus cannot be reached ({err})."))
            return
        with self._lock:
            self._sock = conn.sock
            stopped = self._stopped
        try:
            if not stopped:
                self._converse(conn)
        except (OSError, ConnectionError, EOFError) as err:
            if not self._stopped:
                log.info("the portal connection ended: %s", err)
                self._on_bound(BindResult(reason=f"The connection to the desktop portal ended ({err})."))
        finally:
            conn.close()

    def _converse(self, conn: DBusConnection) -> None:
        sender = str(conn.unique_name).lstrip(":").replace(".", "_")
        responses: deque[Any] = deque(maxlen=8)  # drop policy: oldest; we wait for one at a time
        keys: deque[Any] = deque(maxlen=64)  # drop policy: oldest; this thread empties it at once
        for rule, queue in (
            (MatchRule(type="signal", interface=REQUEST, member="Response"), responses),
            (MatchRule(type="signal", interface=INTERFACE, path=PATH), keys),
            (MatchRule(type="signal", interface=SESSION, member="Closed"), keys),
        ):
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
            conn.filter(rule, queue=queue)
        request = functools.partial(self._request, conn, responses, sender)
        try:
            results = request(
                "CreateSession",
                "a{sv}",
                lambda token: ({"handle_token": ("s", token), "session_handle_token": ("s", token)},),
            )
            session = str(results.get("session_handle", ("s", ""))[1])
            if not session:
                raise _Refused("The desktop portal made no shortcut session.")
            wanted = [
                (sid, {"description": ("s", s.description), "preferred_trigger": ("s", s.trigger)})
                for sid, s in self._shortcuts.items()
            ]
            results = request(
                "BindShortcuts",
                "oa(sa{sv})sa{sv}",
                lambda token: (session, wanted, "", {"handle_token": ("s", token)}),
            )
        except _Refused as refused:
            self._on_bound(BindResult(reason=str(refused)))
            return
        bound = self._report(results.get("shortcuts", ("a(sa{sv})", []))[1])
        while not self._stopped:
            msg = conn.recv_until_filtered(keys)
            member = msg.header.fields.get(HeaderFields.member)
            if member == "Closed":
                if msg.header.fields.get(HeaderFields.path) == session:
                    self._on_bound(BindResult(reason="The desktop ended the shortcut session."))
                    return
            elif not msg.body or str(msg.body[0]) != session:
                continue  # another session's signal
            elif member == "ShortcutsChanged" and len(msg.body) >= 2:
                bound = self._report(msg.body[1])  # the user changed them in the desktop's settings
            elif len(msg.body) >= 2 and str(msg.body[1]) in bound:
                if member == "Activated":
                    self._on_key(str(msg.body[1]), True)
                elif member == "Deactivated":
                    self._on_key(str(msg.body[1]), False)

    def _report(self, shortcuts: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """Tell the caller which of our keys the portal says are bound (``a(sa{sv})``); return them."""
        bound = {
            str(sid): str(props.get("trigger_description", ("s", ""))[1])
            for sid, props in shortcuts
            if sid in self._shortcuts
        }
        reason = "" if bound else "The desktop bound none of the keys (the request was declined)."
        self._on_bound(BindResult(bound, reason))
        return bound

    def _request(
        self,
        conn: DBusConnection,
        responses: deque[Any],
        sender: str,
        method: str,
        signature: str,
        body: Callable[[str], tuple[Any, ...]],
    ) -> dict[str, Any]:
        """Call the portal's ``method`` with ``body(token)`` (``token``: the fresh handle token the
        arguments must carry), which answers through a Request object; return its results, or raise
        _Refused when the user or the desktop declined (response code 1 or 2)."""
        token = f"gld_{os.getpid()}_{next(_tokens)}"
        expected = {f"{PATH}/request/{sender}/{token}"}
        portal = DBusAddress(PATH, bus_name=SERVICE, interface=INTERFACE)
        reply = conn.send_and_get_reply(new_method_call(portal, method, signature, body(token)), timeout=10)
        if reply.header.message_type == MessageType.error:
            detail = reply.body[0] if reply.body else reply.header.fields.get(HeaderFields.error_name)
            raise _Refused(f"The desktop portal refused the request ({detail}).")
        expected.add(str(reply.body[0]))  # an older portal may put the request elsewhere
        while True:  # the user may take a while to answer the desktop's dialog: no timeout
            msg = conn.recv_until_filtered(responses)
            if msg.header.fields.get(HeaderFields.path) in expected:
                break
        code, results = int(msg.body[0]), dict(msg.body[1])
        if code == 1:
            raise _Refused("The request to bind the keys was declined in the desktop's dialog.")
        if code != 0:
            raise _Refused("The desktop portal could not bind the keys (the request ended).")
        return results
