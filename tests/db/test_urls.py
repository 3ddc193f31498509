import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_sends_the_browser_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 302


def test_favicon_ico_takes_no_writes(client):
    assert client.post("/favicon.ico").status_code == 405
