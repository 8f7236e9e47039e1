"""The frozen bundle's entry script (PyInstaller runs it as ``__main__``): the same ``main`` as the
``gemini-live-desktop`` command. Kept outside the package so the bundle imports ``desktop_app`` normally."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
