"""Keeping the API key out of everything the relay sends or logs.

The relay is given the key only to redact it, with the program's :class:`~desktop_app.core.redaction.Redactor`
(re-exported here); :class:`RedactingFilter` applies a redactor to every record of a logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop_app.core.redaction import REDACTED, Redactor

__all__ = ["REDACTED", "RedactingFilter", "Redactor"]


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the fully formatted message (and any exception text) of a record.

    Attach it to a handler or logger; it always lets the record through.
    """

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        redacted = self._redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        return True
