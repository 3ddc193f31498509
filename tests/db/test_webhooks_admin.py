"""events/webhooks/admin.py: registering a receiver (its URL checked, its secret made and shown to those who
may change webhooks), the delivery log, read-only, and its actions."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from events.models import Webhook, WebhookDelivery
from events.services import webhooks
from events.webhooks import tasks
from tests.db.services.helpers import goal
from tests.factories import make_competition, make_match, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch, settings):
    settings.TASK_QUEUE_URL = "redis://queue.invalid:6379/0"
    jobs = []
    monkeypatch.setattr(tasks, "enqueue", jobs.extend)
    return jobs


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("root", role=None, is_staff=True, is_superuser=True))
    return client


def test_an_admin_registers_a_webhook_with_a_secret_made_for_it(admin_client):
    cup = make_competition()
    response = admin_client.post("/admin/events/webhook/add/", {
        "url": "https://93.184.215.14/hooks/matchcentre", "description": "The Daily Post", "competitions": [cup.id],
        "active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]

    hook = Webhook.objects.get()
    assert list(hook.competitions.all()) == [cup]
    assert hook.created_by.username == "root" and len(hook.secret) == 64
    page = admin_client.get(f"/admin/events/webhook/{hook.id}/change/").content.decode()
    assert hook.secret in page


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/in", "http://10.0.0.8/in", "http://169.254.169.254/",
                                 "http://[::1]/in"])
def test_a_url_on_a_private_address_is_a_form_error_in_production(admin_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    response = admin_client.post("/admin/events/webhook/add/", {
        "url": url, "competitions": [make_competition().id], "active": "on",
    })
    assert response.status_code == 200
    assert "not a public address" in response.content.decode()
    assert not Webhook.objects.exists()


def test_in_development_a_receiver_on_this_machine_is_allowed(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    response = admin_client.post("/admin/events/webhook/add/", {
        "url": "http://127.0.0.1:9000/in", "competitions": [make_competition().id], "active": "on",
    })
    assert response.status_code == 302
    refused = admin_client.post("/admin/events/webhook/add/", {
        "url": "ftp://127.0.0.1/in", "competitions": [make_competition().id], "active": "on",
    })
    assert refused.status_code == 200 and Webhook.objects.count() == 1


def test_the_secret_is_hidden_from_staff_who_may_only_view_webhooks(client):
    hook = Webhook.objects.create(url="https://news.example/in")
    viewer = make_user("viewer", role=None, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhook"))
    client.force_login(viewer)
    response = client.get(f"/admin/events/webhook/{hook.id}/change/")
    assert response.status_code == 200
    assert hook.secret not in response.content.decode()


def test_staff_without_the_permission_see_no_webhooks(client):
    Webhook.objects.create(url="https://news.example/in")
    client.force_login(make_user("staff", role=None, is_staff=True))
    assert client.get("/admin/events/webhook/").status_code == 403
    assert client.get("/admin/events/webhookdelivery/").status_code == 403


def test_the_delivery_log_lists_deliveries_read_only_with_their_attempts(admin_client, enqueued):
    match = make_match(kicked_off=True)
    hook = Webhook.objects.create(url="https://news.example/in")
    hook.competitions.add(match.competition)
    goal(match, match.home, 9)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=2, last_status_code=503, last_error="HTTP 503")

    listing = admin_client.get("/admin/events/webhookdelivery/?status__exact=pending")
    assert listing.status_code == 200
    assert "HTTP 503" in listing.content.decode()
    assert "HTTP 503" in admin_client.get(f"/admin/events/webhookdelivery/?q={match.id}").content.decode()
    assert admin_client.get("/admin/events/webhookdelivery/?q=Liverpool").status_code == 200
    page = admin_client.get(f"/admin/events/webhookdelivery/{delivery.id}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/events/webhookdelivery/add/").status_code == 403


def test_admin_actions_send_a_test_delivery_and_try_failed_ones_again(admin_client, enqueued,
                                                                      django_capture_on_commit_callbacks):
    hook = Webhook.objects.create(url="https://news.example/in")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/events/webhook/", {
            "action": "send_test_delivery", "_selected_action": [hook.id],
        })
    assert response.status_code == 302
    test = WebhookDelivery.objects.get()
    assert test.payload["type"] == "test" and enqueued == [(test.id, test.job_id)]

    WebhookDelivery.objects.filter(pk=test.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/events/webhookdelivery/", {"action": "try_again", "_selected_action": [test.id]})
    test.refresh_from_db()
    assert test.status == "pending" and enqueued[-1] == (test.id, test.job_id)


def test_the_sweep_command_says_how_many_it_enqueued(monkeypatch):
    monkeypatch.setattr(webhooks, "requeue_lost", lambda: 3)
    out = StringIO()
    call_command("webhooks_sweep", stdout=out)
    assert out.getvalue().strip() == "3 delivery(ies) enqueued again"


def test_the_admins_role_manages_webhooks_and_embed_sites_in_the_admin(client):
    client.force_login(make_user("desk", role="Admins", is_staff=True))
    for path in ("/admin/events/webhook/", "/admin/events/webhook/add/", "/admin/events/webhookdelivery/",
                 "/admin/events/embedsite/", "/admin/events/embedsite/add/"):
        assert client.get(path).status_code == 200, path
    client.force_login(make_user("bench", role="Editors", is_staff=True))
    assert client.get("/admin/events/webhook/").status_code == 403
