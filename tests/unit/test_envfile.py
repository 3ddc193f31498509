""".env: read by the settings, beaten by the environment, optional, and never a developer's under pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from matchcentre.envfile import env_file

ROOT = Path(__file__).resolve().parent.parent.parent

SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.API_READ_RATE, settings.API_WRITE_RATE, settings.WEBSOCKET_MAX_UNSENT_BYTES]))"
)


def settings_with(extra_env: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchcentre.settings", **extra_env}
    for name in ("API_READ_RATE", "API_WRITE_RATE", "WEBSOCKET_MAX_UNSENT_BYTES", *drop):
        if name not in extra_env:
            env.pop(name, None)
    return subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_settings_read_the_named_file_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# a comment\nAPI_READ_RATE=7/min\nAPI_WRITE_RATE='3/min'\nexport WEBSOCKET_MAX_UNSENT_BYTES=1024\n"
    )
    result = settings_with({"MATCHCENTRE_ENV_FILE": str(dotenv), "API_WRITE_RATE": "99/min"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["7/min", "99/min", 1024]


def test_without_a_file_the_defaults_stand(tmp_path):
    result = settings_with({"MATCHCENTRE_ENV_FILE": ""})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["600/min", "120/min", 256 * 1024]


def test_a_named_file_that_is_missing_is_an_error(tmp_path):
    result = settings_with({"MATCHCENTRE_ENV_FILE": str(tmp_path / "nowhere.env")})
    assert result.returncode != 0
    assert "MATCHCENTRE_ENV_FILE names" in result.stderr


def test_the_default_file_is_env_beside_manage_py_and_it_is_optional(tmp_path):
    assert env_file(tmp_path, {}) is None
    (tmp_path / ".env").write_text("DEBUG=0\n")
    assert env_file(tmp_path, {}) == tmp_path / ".env"


def test_under_pytest_a_developers_env_is_not_read_unless_named(tmp_path):
    (tmp_path / ".env").write_text("DEBUG=0\n")
    # pytest sets PYTEST_VERSION for its run, and the processes the tests start inherit it.
    assert os.environ.get("PYTEST_VERSION")
    assert env_file(tmp_path, {"PYTEST_VERSION": "9"}) is None
    named = tmp_path / "test.env"
    named.write_text("DEBUG=1\n")
    assert env_file(tmp_path, {"PYTEST_VERSION": "9", "MATCHCENTRE_ENV_FILE": str(named)}) == named


def test_an_empty_name_reads_no_file(tmp_path):
    (tmp_path / ".env").write_text("DEBUG=0\n")
    assert env_file(tmp_path, {"MATCHCENTRE_ENV_FILE": ""}) is None


def test_the_settings_of_this_test_run_read_no_env_file():
    """Whatever .env a developer keeps beside manage.py, the suite runs on the defaults it expects."""
    from django.conf import settings

    assert env_file(settings.BASE_DIR) is None
