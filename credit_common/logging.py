"""One JSON logging setup for every entry point, so all parts emit the same structured lines."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object; extra= fields become top-level keys.

    With a `service` name every line says which process wrote it: processes that share a terminal
    (`make demo`) or a log collector stay apart without a relay adding prefixes.
    """

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self._service = {"service": service} if service else {}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            **self._service,
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO", service: str | None = None) -> None:
    """Send JSON lines (naming `service`) to stderr; called once by each entry point, never at import."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def add_record_fields(fields: Callable[[], Mapping[str, Any]]) -> None:
    """Stamp every record made from now on with `fields()`, as if passed in `extra=`.

    Done in the record factory, not in a handler or formatter: the factory runs in the task that
    logs, so context-bound values (the active trace's ids) are read where the line was written. Only
    tracing installs one, and only when it is on: records cost nothing extra otherwise.
    """
    make_record = logging.getLogRecordFactory()

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.__dict__.update(fields())
        return record

    logging.setLogRecordFactory(stamped)
