"""The desktop window: the only package that imports PySide6 (DESIGN.md §3.2).

Start at :mod:`desktop_app.ui.app_main` (``display_available``, ``run_window``; no Qt at import time).
:mod:`~desktop_app.ui.window_app` owns one run (loop thread, bridge, window, controller, orderly shutdown);
:mod:`~desktop_app.ui.bridge` is the only thread crossing. The main window is three layers, one module
each: :mod:`~desktop_app.ui.window_layout` (the widgets of :mod:`desktop_app.ui.widgets`, laid out),
:mod:`~desktop_app.ui.window_events` (events into pixels, and the state-file snapshot) and
:mod:`~desktop_app.ui.main_window` (clicks and keys into controller commands). From it open
:mod:`~desktop_app.ui.settings_dialog` (its pages: :mod:`~desktop_app.ui.settings_pages`,
:mod:`~desktop_app.ui.settings_devices`, built on :mod:`~desktop_app.ui.settings_fields`) and
:mod:`~desktop_app.ui.history_dialog` (past conversations).

Pure, Qt-free pieces: :mod:`~desktop_app.ui.transcript_model`, :mod:`~desktop_app.ui.connection_status`
and :mod:`~desktop_app.ui.history_model` (it blocks: it runs off the Qt thread). Everything the window uses
of the rest of the program comes through the façade :mod:`desktop_app.controller_api` (and the pure
:mod:`desktop_app.core`); nothing else is imported here (``tests/ui/test_ui_imports.py``).
"""
