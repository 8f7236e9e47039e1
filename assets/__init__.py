"""Data package ``desktop_app._assets``: the web page, icons and sample shipped inside the wheel and bundle.

Not code. ``pyproject.toml`` maps this directory to ``desktop_app._assets``; find files through
:mod:`desktop_app.resources`, never through paths relative to the repository.
"""
