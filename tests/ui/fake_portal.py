"""A stand-in for the desktop portal's GlobalShortcuts (``org.freedesktop.portal.Desktop``), as a process.

Run ``python -m tests.ui.fake_portal BUS_ADDRESS MODE``. MODE is ``refuse`` (the user declines the dialog:
``BindShortcuts`` answers with response code 1) or a comma list of ``id=trigger`` — the keys the "user"
accepts, with the trigger description the portal reports (``talk=Press F7,mute=F8``; an id missing from the
list is not bound). It takes the service name on that bus, prints ``ready``, then one JSON line per
``BindShortcuts`` call (``[session, [[id, description, preferred_trigger], ...]]``). Each stdin line
``activate ID`` or ``deactivate ID`` emits ``Activated``/``Deactivated`` for the last session, sent to its
owner as the real portal does; ``change id=trigger,…`` emits ``ShortcutsChanged`` with those keys bound
(the user changed them in the desktop's settings); ``close`` emits the session's ``Closed``. Like the real
one, it answers through Request objects whose path is built from the caller's unique name and
``handle_token``, and it answers ``Properties.Get(…, "version")``.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import DBusConnection, open_dbus_connection

SERVICE = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
IFACE = "org.freedesktop.portal.GlobalShortcuts"


class FakePortal:
    def __init__(self, conn: DBusConnection, mode: str) -> None:
        self.conn = conn
        self.send_lock = threading.Lock()
        self.refuse = mode == "refuse"
        self.accept = dict(p.split("=", 1) for p in mode.split(",") if "=" in p)
        self.session = ""
        self.owner = ""
        self.pending: tuple[Any, str] | None = None  # a Response to send after the method's reply

    def send(self, msg: Any, destination: str = "") -> None:
        if destination:
            msg.header.fields[HeaderFields.destination] = destination
        with self.send_lock:
            self.conn.send(msg)

    def respond(self, caller: str, token: str, code: int, results: dict[str, Any]) -> str:
        path = f"{PATH}/request/{caller.lstrip(':').replace('.', '_')}/{token}"
        request = DBusAddress(path, interface="org.freedesktop.portal.Request")
        self.pending = (new_signal(request, "Response", "ua{sv}", (code, results)), caller)
        return path

    def handle(self, msg: Any) -> None:
        fields = msg.header.fields
        member, caller = fields.get(HeaderFields.member), fields.get(HeaderFields.sender, "")
        self.pending = None
        if member == "Get" and msg.body[:2] == (IFACE, "version"):
            self.send(new_method_return(msg, "v", (("u", 1),)))
        elif member == "CreateSession":
            token = msg.body[0]["handle_token"][1]
            self.session = f"{PATH}/session/{caller.lstrip(':').replace('.', '_')}/{token}"
            self.owner = caller
            path = self.respond(caller, token, 0, {"session_handle": ("s", self.session)})
            self.send(new_method_return(msg, "o", (path,)))
        elif member == "BindShortcuts":
            session, shortcuts, _parent, options = msg.body
            asked = [[sid, p["description"][1], p["preferred_trigger"][1]] for sid, p in shortcuts]
            print(json.dumps([session, asked]), flush=True)
            bound = [
                (sid, {"description": p["description"], "trigger_description": ("s", self.accept[sid])})
                for sid, p in shortcuts
                if sid in self.accept
            ]
            if self.refuse:
                path = self.respond(caller, options["handle_token"][1], 1, {})
            else:
                path = self.respond(
                    caller, options["handle_token"][1], 0, {"shortcuts": ("a(sa{sv})", bound)}
                )
            self.send(new_method_return(msg, "o", (path,)))
        else:
            self.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),)))
        if self.pending is not None:
            self.send(*self.pending)  # after the method's reply, as the real portal does

    def key(self, member: str, shortcut_id: str) -> None:
        portal = DBusAddress(PATH, interface=IFACE)
        self.send(new_signal(portal, member, "osta{sv}", (self.session, shortcut_id, 1, {})), self.owner)


def main() -> int:
    conn = open_dbus_connection(bus=sys.argv[1])
    portal = FakePortal(conn, sys.argv[2])
    conn.send_and_get_reply(message_bus.RequestName(SERVICE), timeout=5)

    def commands() -> None:
        for line in sys.stdin:
            verb, _, arg = line.strip().partition(" ")
            if verb == "close":
                closed = new_signal(
                    DBusAddress(portal.session, interface="org.freedesktop.portal.Session"), "Closed"
                )
                portal.send(closed, portal.owner)
            elif verb == "change":
                keys = [
                    (sid, {"trigger_description": ("s", t)})
                    for sid, t in (p.split("=") for p in arg.split(","))
                ]
                changed = new_signal(DBusAddress(PATH, interface=IFACE), "ShortcutsChanged", "oa(sa{sv})")
                changed.body = (portal.session, keys)
                portal.send(changed, portal.owner)
            else:
                portal.key({"activate": "Activated", "deactivate": "Deactivated"}[verb], arg)

    threading.Thread(target=commands, daemon=True).start()
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type == MessageType.method_call:
            portal.handle(msg)


if __name__ == "__main__":
    sys.exit(main())
