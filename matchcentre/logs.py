"""Log lines as JSON, one object per line, for log shippers (LOG_FORMAT=json; settings.LOGGING).

Each line has `time` (UTC, ISO 8601 with milliseconds), `level`, `logger` and `message`; `exception` when
the record carries one (its traceback as text), `stack` when asked for; then whatever the call passed in
`extra` (the access log's method, path, status, bytes, duration_ms, client). A standard library formatter
of a dozen lines rather than a dependency.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# What every LogRecord has: anything else on a record came from a call's `extra`.
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages and tracebacks are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES:
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an object passed in `extra` (Django's django.request passes the request) as its repr.
        return json.dumps(entry, default=str)
