"""Sentry: off, and not even imported, without SENTRY_DSN; set up from the environment with it.

The round trip (an unhandled exception in a view, reported over HTTP to a Sentry of the test's own) runs
against a real process: tests/live/test_operations.py::test_an_unhandled_exception_in_a_view_reaches_sentry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SHOW_SENTRY = """
import json, sys, django
django.setup()
state = {"imported": "sentry_sdk" in sys.modules}
if state["imported"]:
    import sentry_sdk
    client = sentry_sdk.get_client()
    state.update(
        active=client.is_active(),
        environment=client.options["environment"],
        traces_sample_rate=client.options["traces_sample_rate"],
        send_default_pii=client.options["send_default_pii"],
        django="django" in client.integrations,
    )
print(json.dumps(state))
"""


def sentry_state(**variables: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchcentre.settings", "MATCHCENTRE_ENV_FILE": "", **variables}
    for name in ("SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_TRACES_SAMPLE_RATE"):
        if name not in variables:
            env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SENTRY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_dsn_nothing_is_imported_or_started():
    assert sentry_state() == {"imported": False}
    assert sentry_state(SENTRY_DSN="") == {"imported": False}


def test_with_a_dsn_it_starts_with_the_django_integration_and_no_personal_data():
    state = sentry_state(SENTRY_DSN="http://public@127.0.0.1:9/1")  # nothing is sent here
    assert state == {
        "imported": True,
        "active": True,
        "environment": "production",
        "traces_sample_rate": 0.0,
        "send_default_pii": False,
        "django": True,
    }


def test_its_environment_and_trace_rate_come_from_the_environment():
    state = sentry_state(
        SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging", SENTRY_TRACES_SAMPLE_RATE="0.25"
    )
    assert (state["environment"], state["traces_sample_rate"]) == ("staging", 0.25)
