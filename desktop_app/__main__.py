"""``python -m desktop_app``: the same entry point as the ``gemini-live-desktop`` command."""

import sys

from desktop_app.cli import main

sys.exit(main())
