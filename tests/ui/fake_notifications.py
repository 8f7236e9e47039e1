"""A stand-in for the desktop's notification service (``org.freedesktop.Notifications``), as a process.

Run ``python -m tests.ui.fake_notifications BUS_ADDRESS``: it takes the service name on that bus,
prints ``ready``, then one JSON line per ``Notify`` call (``[app, replaces_id, summary, body, actions]``).
Its ``Notify`` is typed as the specification says (``replaces_id`` and the result are ``uint``), so a
client that sends the wrong D-Bus types fails here as it would on a real desktop. When a notification
has actions, it "clicks" the first one at once: ``ActionInvoked(id, action)``.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QTimer, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"


@ClassInfo({"D-Bus Interface": IFACE})
class FakeNotifications(QObject):
    def __init__(self, bus: QDBusConnection) -> None:
        super().__init__()
        self.bus = bus
        self.next_id = 40

    @Slot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(
        self,
        app: str,
        replaces: int,
        _icon: str,
        summary: str,
        body: str,
        actions: list[str],
        _hints: object,
        _t: int,
    ) -> int:
        self.next_id += 1
        print(json.dumps([app, replaces, summary, body, list(actions)]), flush=True)
        if actions:
            key, action = self.next_id, str(actions[0])
            QTimer.singleShot(0, lambda: self._click(key, action))
        return self.next_id

    def _click(self, key: int, action: str) -> None:
        signal = QDBusMessage.createSignal(PATH, IFACE, "ActionInvoked")
        signal.setArguments([key, action])
        self.bus.send(signal)


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    bus = QDBusConnection.connectToBus(sys.argv[1], "fake-notifications")
    service = FakeNotifications(bus)
    if not bus.registerService(IFACE) or not bus.registerObject(
        PATH, service, QDBusConnection.RegisterOption.ExportAllSlots
    ):
        print("cannot register", flush=True)
        return 1
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
