"""The desktop window: the only package that imports PySide6 (DESIGN.md §3.2).

Start at :mod:`desktop_app.ui.app_main` (``display_available``, ``run_window``; no Qt at import time).
:mod:`~desktop_app.ui.window_app` owns one run (loop thread, bridge, window, controller, orderly shutdown);
:mod:`~desktop_app.ui.bridge` is the only thread crossing; :mod:`~desktop_app.ui.main_window` lays out the
widgets of :mod:`desktop_app.ui.widgets` and turns events into pixels and clicks into commands;
:mod:`~desktop_app.ui.settings_dialog` and :mod:`~desktop_app.ui.history_dialog` (past conversations) open
from it. Pure, Qt-free pieces: :mod:`~desktop_app.ui.transcript_model`,
:mod:`~desktop_app.ui.connection_status` and :mod:`~desktop_app.ui.history_model` (it blocks: it runs off
the Qt thread). Everything the window uses of the rest of the program comes through the façade
:mod:`desktop_app.controller_api` (and the pure :mod:`desktop_app.core`); nothing else is imported here.
"""
