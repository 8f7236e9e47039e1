"""Packaging tests.

- ``test_package_config.py`` and ``test_desktop_files.py``: fast checks of the build configuration, the
  single version, the asset lookup, the desktop entry, the AppStream metainfo and ``install-desktop.sh``.
- ``test_wheel.py`` (marked ``packaging``, about a minute on a warm pip cache): builds the sdist and
  wheel, installs the wheel into a fresh venv and runs the installed command against the emulator.
- ``test_bundle.py``: smoke tests of the PyInstaller bundle. Building the bundle takes minutes, so these
  run only under ``make test-package``, which builds it and names its folder in ``GLD_BUNDLE``; ``make
  test`` does not collect them.
"""

from __future__ import annotations

import os

collect_ignore = [] if os.environ.get("GLD_BUNDLE") else ["test_bundle.py"]
