"""Logging for the entry points: the command line and ``mesostage serve`` call :func:`configure_logging`; library
code only logs, under ``mesostage.*`` loggers, and never adds a handler.

Messages go to standard error, as text (``time level logger: message``) or as one JSON object a line (``time``,
``level``, ``logger``, ``message`` and the record's own fields, such as a request's ``method``, ``path``, ``status``
and ``duration_ms``). The level applies to mesostage's own messages; other libraries' messages are shown from
WARNING. No message carries case data (see ``docs/configuration.md``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mesostage.settings is imported only when a MESOSTAGE_* variable is set (start-up time)
    from mesostage.settings import LogFormat, LogLevel

__all__ = ["DEFAULT_FORMAT", "DEFAULT_LEVEL", "JsonFormatter", "configure_from_settings", "configure_logging"]

#: The defaults of MESOSTAGE_LOG_LEVEL and MESOSTAGE_LOG_FORMAT (mesostage.settings takes them from here).
DEFAULT_LEVEL: LogLevel = "info"
DEFAULT_FORMAT: LogFormat = "text"

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: What every LogRecord has; anything else on a record was passed as ``extra`` and goes into the JSON object.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_"))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StderrHandler(logging.Handler):
    """Writes to ``sys.stderr`` as it is at each message (a progress bar or a test runner may have replaced it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure_logging(level: LogLevel, fmt: LogFormat) -> None:
    """Send log messages to standard error: mesostage's from ``level``, as ``fmt``. Called again, it replaces its
    own handler (never another's)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    logging.getLogger("mesostage").setLevel(level.upper())


def configure_from_settings(log_level: LogLevel | None = None) -> None:
    """:func:`configure_logging` with ``MESOSTAGE_LOG_LEVEL`` (or ``log_level``, a command-line option's value) and
    ``MESOSTAGE_LOG_FORMAT``; then a warning for each ``MESOSTAGE_*`` variable that names no setting.

    Raises
    ------
    SettingsError
        When a ``MESOSTAGE_*`` variable holds a value that cannot be used (every setting is checked here, so a
        command stops at its start rather than half-way).
    """
    if not any(name.startswith("MESOSTAGE_") for name in os.environ):  # the usual case, without the settings model
        configure_logging(log_level or DEFAULT_LEVEL, DEFAULT_FORMAT)
        return
    from mesostage.settings import settings, unknown_variables

    config = settings(log_level=log_level)
    configure_logging(config.log_level, config.log_format)
    for name in unknown_variables():
        logging.getLogger("mesostage.settings").warning("%s is set but is not a mesostage setting (ignored)", name)
