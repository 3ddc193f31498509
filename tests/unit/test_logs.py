"""Logs: each line written once, whoever set logging up first; JSON lines when asked (matchcentre/logs.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from matchcentre.logs import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent.parent

# What Daphne's command line does before it loads the application (daphne/cli.py), then Django's setup,
# as matchcentre/asgi.py does it; then a line from each of our loggers and from Django's.
LOG_AS_DAPHNE_DOES = """
import logging
logging.basicConfig(level=logging.INFO, format="%(asctime)-15s %(levelname)-8s %(message)s")
import django
django.setup()
import os
for name in ("events.api", "live.fanout", "matchcentre.health", "django.request", "daphne.server"):
    logging.getLogger(name).warning("line from %s", name)
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("live.publish").exception("broadcast failed")
"""


def run_logging(extra_env: dict[str, str]) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "matchcentre.settings",
        "DEBUG": "1",
        "LOG_LEVEL": "INFO",
        "MATCHCENTRE_ENV_FILE": "",
        **extra_env,
    }
    for name in ("LOG_FORMAT", "SENTRY_DSN"):
        if name not in extra_env:
            env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", LOG_AS_DAPHNE_DOES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_each_line_is_written_once_after_daphnes_logging_setup():
    """Daphne's basicConfig gave the root logger a handler; ours (and Django's, with DEBUG on) wrote each
    line once more beside it."""
    output = run_logging({})
    for name in ("events.api", "live.fanout", "matchcentre.health", "django.request", "daphne.server"):
        assert output.count(f"line from {name}") == 1, output
    assert output.count("broadcast failed") == 1, output
    assert output.count("ZeroDivisionError") == 1, output
    # One format for every logger, naming it.
    assert " WARNING  events.api line from events.api" in output


def test_log_format_json_writes_one_object_per_line_with_the_exception():
    output = run_logging({"LOG_FORMAT": "json"})
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
    by_message = {line["message"]: line for line in lines}
    warning = by_message["line from events.api"]
    assert (warning["level"], warning["logger"]) == ("WARNING", "events.api")
    assert warning["time"].endswith("+00:00")
    failure = by_message["broadcast failed"]
    assert (failure["level"], failure["logger"]) == ("ERROR", "live.publish")
    assert failure["exception"].startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in failure["exception"]
    assert [line["message"] for line in lines].count("line from django.request") == 1


def test_the_json_formatter_keeps_a_calls_extra_fields_and_escapes_newlines():
    record = logging.LogRecord("matchcentre.access", logging.INFO, __file__, 1, "two\nlines %s", ("x",), None)
    record.status = 200
    record.request = object()  # not JSON: written as its repr
    text = JsonFormatter().format(record)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["message"] == "two\nlines x"
    assert entry["status"] == 200
    assert entry["request"].startswith("<object object")
    assert list(entry)[:4] == ["time", "level", "logger", "message"]
    assert "exception" not in entry


def test_an_unknown_log_format_is_refused():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchcentre.settings", "LOG_FORMAT": "xml"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr
