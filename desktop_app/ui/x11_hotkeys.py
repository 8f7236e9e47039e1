"""Global keys on X11: ``XGrabKey`` on the root window through libX11 (ctypes), read in one tiny thread.

No Qt and no new dependency (libX11 is already needed by Qt's xcb plugin). :class:`X11KeyGrab` opens its
own X connection, grabs each binding (with and without Caps Lock and Num Lock) and reports honestly which
grabs failed: a key another client already holds gives ``BadAccess``, and that binding is *not* active.
The reader thread only turns key presses and releases into ``on_key(name, pressed)`` calls and nothing
else; the caller must hand them to its own thread (the Qt wrapper emits a queued signal). Typical use::

    grab = X11KeyGrab({"talk": "Ctrl+Alt+Space"}, on_key=lambda name, pressed: ...)
    failures = grab.start()        # {} when every key is grabbed; else name -> the reason
    ...
    grab.stop()                    # joins the thread, ungrabs, closes the connection

Auto-repeat is made "detectable" (XKB), so a held key gives one press and one release.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["Shortcut", "X11KeyGrab", "X11Unavailable", "parse_shortcut"]

log = logging.getLogger(__name__)

_MODIFIERS = {"shift": 1, "ctrl": 4, "control": 4, "alt": 8, "super": 64, "meta": 64, "win": 64}
_LOCK_VARIANTS = (0, 2, 16, 18)  # as typed, with Caps Lock (LockMask), Num Lock (Mod2Mask), both
_KEY_NAMES = {
    "space": "space",
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "tab": "Tab",
    "backspace": "BackSpace",
    "pause": "Pause",
    "scrolllock": "Scroll_Lock",
    "insert": "Insert",
    "ins": "Insert",
    "delete": "Delete",
    "del": "Delete",
    "home": "Home",
    "end": "End",
    "pgup": "Prior",
    "pageup": "Prior",
    "pgdown": "Next",
    "pagedown": "Next",
    "print": "Print",
    "menu": "Menu",
}
_KEY_PRESS, _KEY_RELEASE = 2, 3
_BAD_ACCESS = 10
_GRAB_MODE_ASYNC = 1


class X11Unavailable(RuntimeError):
    """libX11 or the display cannot be opened."""


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A parsed key: the X modifier mask and the keysym name (``"space"``, ``"m"``, ``"F9"``)."""

    modifiers: int
    keysym: str


def parse_shortcut(text: str) -> Shortcut:
    """``"Ctrl+Alt+Space"`` → a :class:`Shortcut`. Raises ValueError with a sentence for a bad key."""
    parts = [p.strip() for p in text.split("+")]
    if not text.strip() or any(not p for p in parts):
        raise ValueError(f"{text!r} is not a key: write it like Ctrl+Alt+Space or F9.")
    *mods, key = parts
    mask = 0
    for mod in mods:
        bit = _MODIFIERS.get(mod.lower())
        if bit is None:
            raise ValueError(f"{mod!r} in {text!r} is not a modifier (Ctrl, Alt, Shift, Super).")
        mask |= bit
    lower = key.lower()
    if lower in _KEY_NAMES:
        keysym = _KEY_NAMES[lower]
    elif len(key) == 1 and key.isalnum():
        keysym = lower
    elif lower.startswith("f") and lower[1:].isdigit() and 1 <= int(lower[1:]) <= 35:
        keysym = f"F{int(lower[1:])}"
    else:
        keysym = key  # an X keysym name as such (XF86AudioMicMute, KP_Enter, …), checked when grabbing
    return Shortcut(mask, keysym)


class _XErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


class _XKeyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("root", ctypes.c_ulong),
        ("subwindow", ctypes.c_ulong),
        ("time", ctypes.c_ulong),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("x_root", ctypes.c_int),
        ("y_root", ctypes.c_int),
        ("state", ctypes.c_uint),
        ("keycode", ctypes.c_uint),
        ("same_screen", ctypes.c_int),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xkey", _XKeyEvent), ("pad", ctypes.c_long * 24)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_XErrorEvent))


class _Xlib:
    """The few libX11 calls used, typed once. One process-wide error handler records errors on our
    connections and passes any other connection's errors to the handler that was there before."""

    _instance: _Xlib | None = None

    def __init__(self) -> None:
        name = ctypes.util.find_library("X11") or "libX11.so.6"
        try:
            x = ctypes.CDLL(name)
        except OSError as err:
            raise X11Unavailable(f"libX11 cannot be loaded ({err})") from None
        vp, ul, i, ui = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_uint
        sigs: dict[str, tuple[object, list[object]]] = {
            "XOpenDisplay": (vp, [ctypes.c_char_p]),
            "XCloseDisplay": (i, [vp]),
            "XDefaultRootWindow": (ul, [vp]),
            "XStringToKeysym": (ul, [ctypes.c_char_p]),
            "XKeysymToKeycode": (ctypes.c_ubyte, [vp, ul]),
            "XGrabKey": (i, [vp, i, ui, ul, i, i, i]),
            "XUngrabKey": (i, [vp, i, ui, ul]),
            "XSync": (i, [vp, i]),
            "XPending": (i, [vp]),
            "XNextEvent": (i, [vp, ctypes.POINTER(_XEvent)]),
            "XConnectionNumber": (i, [vp]),
            "XkbSetDetectableAutoRepeat": (i, [vp, i, ctypes.POINTER(i)]),
            "XSetErrorHandler": (vp, [_ERROR_HANDLER]),
        }
        for fn_name, (restype, argtypes) in sigs.items():
            fn = getattr(x, fn_name)
            fn.restype = restype
            fn.argtypes = argtypes
        self.x = x
        self.errors: dict[int, list[int]] = {}  # display pointer -> error codes seen
        self._lock = threading.Lock()
        self._handler = _ERROR_HANDLER(self._on_error)
        previous = x.XSetErrorHandler(self._handler)
        self._previous = _ERROR_HANDLER(previous) if previous else None

    @classmethod
    def get(cls) -> _Xlib:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_error(self, display: int | None, event: ctypes._Pointer[_XErrorEvent]) -> int:
        with self._lock:
            seen = self.errors.get(display or 0)
            if seen is not None:
                seen.append(int(event.contents.error_code))
                return 0
        if self._previous is not None:
            return int(self._previous(display, event))
        return 0

    def track(self, display: int) -> None:
        with self._lock:
            self.errors[display] = []

    def take_errors(self, display: int) -> list[int]:
        with self._lock:
            seen = self.errors.get(display, [])
            self.errors[display] = []
            return seen

    def forget(self, display: int) -> None:
        with self._lock:
            self.errors.pop(display, None)


class X11KeyGrab:
    """See the module docstring. ``bindings`` maps a name of yours to a key text (:func:`parse_shortcut`);
    ``on_key(name, pressed)`` runs on the reader thread and must only hand the key over."""

    def __init__(
        self,
        bindings: Mapping[str, str],
        on_key: Callable[[str, bool], None],
        *,
        display: str | None = None,
    ) -> None:
        self._bindings = dict(bindings)
        self._on_key = on_key
        self._display_name = display if display is not None else os.environ.get("DISPLAY", "")
        self._dpy: int | None = None
        self._root = 0
        self._grabbed: dict[int, tuple[str, int]] = {}  # keycode -> (name, modifiers)
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1

    @property
    def active(self) -> frozenset[str]:
        """The names whose key is grabbed now."""
        return frozenset(name for name, _mods in self._grabbed.values())

    def start(self) -> dict[str, str]:
        """Grab every binding and start the reader; returns name → reason for each that is *not* active.

        Raises :class:`X11Unavailable` when libX11 or the display cannot be opened.
        """
        xl = _Xlib.get()
        dpy = xl.x.XOpenDisplay(self._display_name.encode() or None)
        if not dpy:
            raise X11Unavailable(f"the X display {self._display_name!r} cannot be opened")
        self._dpy = dpy
        xl.track(dpy)
        self._root = xl.x.XDefaultRootWindow(dpy)
        supported = ctypes.c_int(0)
        xl.x.XkbSetDetectableAutoRepeat(dpy, 1, ctypes.byref(supported))
        failures: dict[str, str] = {}
        for name, text in self._bindings.items():
            reason = self._grab(xl, name, text)
            if reason:
                failures[name] = reason
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._read, name="x11-hotkeys", daemon=True)
        self._thread.start()
        return failures

    def _grab(self, xl: _Xlib, name: str, text: str) -> str:
        try:
            shortcut = parse_shortcut(text)
        except ValueError as err:
            return str(err)
        keysym = xl.x.XStringToKeysym(shortcut.keysym.encode())
        keycode = int(xl.x.XKeysymToKeycode(self._dpy, keysym)) if keysym else 0
        if not keycode:
            return f"{text} is not a key this keyboard has."
        if keycode in self._grabbed:
            return f"{text} is already used by another shortcut here."
        xl.take_errors(self._dpy or 0)
        for extra in _LOCK_VARIANTS:
            xl.x.XGrabKey(
                self._dpy,
                keycode,
                shortcut.modifiers | extra,
                self._root,
                0,
                _GRAB_MODE_ASYNC,
                _GRAB_MODE_ASYNC,
            )
        xl.x.XSync(self._dpy, 0)
        errors = xl.take_errors(self._dpy or 0)
        if errors:
            for extra in _LOCK_VARIANTS:
                xl.x.XUngrabKey(self._dpy, keycode, shortcut.modifiers | extra, self._root)
            xl.x.XSync(self._dpy, 0)
            xl.take_errors(self._dpy or 0)
            if _BAD_ACCESS in errors:
                return f"{text} is already taken by another application."
            return f"{text} could not be grabbed (X error {errors[0]})."
        self._grabbed[keycode] = (name, shortcut.modifiers)
        return ""

    def _read(self) -> None:
        xl = _Xlib.get()
        dpy = self._dpy
        fd = xl.x.XConnectionNumber(dpy)
        event = _XEvent()
        held: set[int] = set()
        while True:
            while xl.x.XPending(dpy):
                xl.x.XNextEvent(dpy, ctypes.byref(event))
                if event.type not in (_KEY_PRESS, _KEY_RELEASE):
                    continue
                keycode = int(event.xkey.keycode)
                binding = self._grabbed.get(keycode)
                if binding is None:
                    continue
                pressed = event.type == _KEY_PRESS
                if pressed == (keycode in held):
                    continue  # a repeat the server still sent: one press, one release
                (held.add if pressed else held.discard)(keycode)
                self._on_key(binding[0], pressed)
            ready, _, _ = select.select([fd, self._wake_r], [], [])
            if self._wake_r in ready:
                return

    def stop(self) -> None:
        """Stop the reader, ungrab every key and close the connection (idempotent)."""
        if self._thread is not None:
            os.write(self._wake_w, b"x")
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1
        if self._dpy is not None:
            xl = _Xlib.get()
            for keycode, (_name, mods) in self._grabbed.items():
                for extra in _LOCK_VARIANTS:
                    xl.x.XUngrabKey(self._dpy, keycode, mods | extra, self._root)
            xl.x.XSync(self._dpy, 0)
            xl.forget(self._dpy)
            xl.x.XCloseDisplay(self._dpy)
            self._dpy = None
        self._grabbed.clear()
