"""Requests stay on the event loop through the middleware (matchcentre/static_files.py): static files are
served on the async path as WhiteNoise serves them, and no middleware sends a request to a thread and back."""

import pytest
from django.conf import settings
from django.test import AsyncClient
from django.utils.module_loading import import_string

pytestmark = pytest.mark.django_db


@pytest.mark.asyncio
async def test_a_static_file_is_served_on_the_async_path():
    response = await AsyncClient().get("/static/js/live.js")
    assert response.status_code == 200
    body = b"".join([chunk async for chunk in response]) if response.streaming else response.content
    assert b"eventIdOf" in body
    assert "Content-Security-Policy" in response.headers  # the middleware above it still applies


@pytest.mark.asyncio
async def test_other_requests_pass_through_to_the_site():
    response = await AsyncClient().get("/api/matches/999999")
    assert response.status_code == 404 and response.json()["detail"]


def test_every_middleware_can_run_on_the_event_loop():
    # One that cannot makes every request hop from the loop to a thread and back around it.
    assert [path for path in settings.MIDDLEWARE if not getattr(import_string(path), "async_capable", False)] == []
