"""The Content-Security-Policy header (django-csp) and markup that keeps to it; HSTS preload is opt-in.

The browser suite (tests/browser/test_content_security_policy.py) proves that Chromium reports no
violation on any page; these are the fast checks of the header and of the markup the policy forbids.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from events.models import Team
from tests.factories import make_match, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# What a policy without 'unsafe-inline' refuses: a <script> with a body to run (JSON data blocks are
# not run), a style="" attribute or <style> element, an on* handler attribute, a javascript: URL.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)=\"\s*javascript:", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_keeps_to_the_policy(html: str) -> None:
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, HANDLER, JAVASCRIPT_URL):
        assert not pattern.search(html), pattern.search(html).group(0)


def test_it_sends_the_policy_with_a_page():
    match = make_match(kicked_off=True)
    response = Client().get(f"/matches/{match.id}/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.parametrize("path", ["/api/docs", "/editor/login/", "/admin/login/", "/api/competitions"])
def test_it_sends_the_policy_with_every_kind_of_response(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_pages_have_no_inline_script_style_or_handler(client):
    match = make_match(kicked_off=True)
    editor = make_user(role="Admins")
    paths = ["/", f"/matches/{match.id}/", f"/groups/{match.group_id}/",
             f"/groups/{match.group_id}/matchdays/1/", "/editor/login/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_keeps_to_the_policy(response.content.decode())
    client.force_login(editor)
    for path in ["/editor/", f"/editor/matches/{match.id}/", f"/editor/matches/{match.id}/corrections/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_keeps_to_the_policy(response.content.decode())


def test_team_colours_are_svg_fills_on_the_score_header_and_the_matchday_cards(client):
    match = make_match()
    Team.objects.filter(pk=match.home_id).update(primary_colour="#c8102e")
    Team.objects.filter(pk=match.away_id).update(primary_colour="#12a0d7")
    strip = '<rect width="1" height="1" fill="#c8102e"/><rect x="1" width="1" height="1" fill="#12a0d7"/>'
    for path in (f"/matches/{match.id}/", f"/groups/{match.group_id}/matchdays/1/"):
        page = client.get(path).content.decode()
        assert 'class="team-colours"' in page and strip in page, path


def test_api_docs_are_swagger_ui_from_our_own_static_files():
    page = Client().get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in sources and "/static/ninja/swagger-ui.css" in sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    assert_keeps_to_the_policy(page)
    for source in ("/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js",
                   "/static/ninja/swagger-ui.css"):
        response = Client().get(source)
        assert response.status_code == 200, source
        response.close()


def production_setting(name: str, **env) -> str:
    """A setting as a production process (DEBUG off) would see it, with `env` and not this shell's."""
    inherited = {key: value for key, value in os.environ.items() if key != "SECURE_HSTS_PRELOAD"}
    env = {**inherited, "DEBUG": "0", "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "matchcentre.settings",
           "MATCHCENTRE_ENV_FILE": "", **env}  # and not a developer's .env either
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_hsts_preload_is_off_unless_a_deployment_turns_it_on():
    assert production_setting("SECURE_HSTS_PRELOAD") == "False"
    assert production_setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1") == "True"
