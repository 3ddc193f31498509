"""Notifications of a followed team's match in the page, on a phone: a goal raises "Goal! …" tagged with its event;
the same goal disallowed after a VAR review replaces it, under the same tag, saying why; a viewer's spoiler delay
holds each notification as long as the page's live parts.

The browser's Notification is wrapped by an init script that records what the page shows (Chromium shows nothing
headless); the permission is granted by the browser context, as a fan's click on Allow would.
"""

from __future__ import annotations

import json
import time

from playwright.sync_api import Page, expect

from tests.browser.test_follow_teams import team_page

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
RECORD_NOTIFICATIONS = """
window.__notifications = [];
const Real = window.Notification;
class Recorded extends Real {
  constructor(title, options) {
    super(title, options);
    window.__notifications.push({title, body: options && options.body, tag: options && options.tag,
                                 url: options && options.data && options.data.url, at: Date.now()});
  }
}
Object.defineProperty(Recorded, "permission", {get: () => Real.permission});
Recorded.requestPermission = (...args) => Real.requestPermission(...args);
window.Notification = Recorded;
"""


def fan_with_notifications(web, fan_server, api, match, delay: int = 0) -> Page:
    context = web.context(fan_server, **PHONE)
    context.grant_permissions(["notifications"])
    context.add_init_script(RECORD_NOTIFICATIONS)
    if delay:
        # As the header's Delay control keeps it (tests/browser/test_spoiler_delay.py sets it through the form).
        context.add_init_script(
            f"if (location.protocol.startsWith('http')) localStorage.setItem('matchcentre:spoiler-delay', '{delay}')"
        )
    # Web Push needs a push service this headless browser (a profile like incognito) has not: it says so, and the
    # page notifies all the same.
    web.allow("push service|Registration failed|notifications with the site closed|Push API in incognito mode")
    fan = context.new_page()
    fan.goto(team_page(api, match, "away"))
    fan.locator("#follow-team").click()
    expect(fan.locator("#follow-team")).to_have_attribute("aria-pressed", "true")
    notify = fan.locator("#notify-teams")
    expect(notify).to_have_attribute("aria-pressed", "false")
    notify.click()
    expect(notify).to_have_attribute("aria-pressed", "true")
    fan.goto("/my-teams/")  # any page of the site: it listens for the followed teams' notifications
    expect(fan.locator("#notify-teams")).to_have_attribute("aria-pressed", "true")
    fan.wait_for_timeout(1_000)  # its socket open
    return fan


def shown(page: Page) -> list[dict]:
    return page.evaluate("window.__notifications")


def wait_for_notification(page: Page, count: int, timeout: float = 8.0) -> list[dict]:
    # Polled from here: wait_for_function evaluates a string, which the pages' CSP (no eval) refuses.
    deadline = time.monotonic() + timeout
    while len(found := shown(page)) < count:
        assert time.monotonic() < deadline, f"{count} notifications not shown within {timeout:g} s: {found}"
        page.wait_for_timeout(100)
    return found


def test_a_goal_notifies_a_follower_and_its_disallowing_replaces_it(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = fan_with_notifications(web, fan_server, api, match)
    kick_off_seen = len(shown(fan))

    goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                     player=match.player("away", "Mertens")["id"])

    notifications = wait_for_notification(fan, kick_off_seen + 1)
    scored = notifications[-1]
    assert scored["title"] == f"Goal! {match.home['name']} 0–1 {match.away['name']}"
    assert "Mertens" in scored["body"] and scored["body"].startswith("21")
    assert scored["tag"] == f"event-{goal['id']}"
    assert scored["url"] == f"/matches/{match.id}/"

    check = api.event(match.id, kind="var_check", minute=22, team=match.away["id"], reviewed_event=goal["id"],
                      var_category="goal")
    api.post(f"/api/events/{check['id']}/var-decision", {"decision": "overturned", "decision_reason": "offside"})

    notifications = wait_for_notification(fan, kick_off_seen + 2)
    replaced = notifications[-1]
    assert replaced["tag"] == scored["tag"]  # the same tag: it takes the goal's place on the screen
    assert replaced["title"] == "Goal disallowed: offside"
    assert replaced["body"] == f"{match.home['name']} 0–0 {match.away['name']}"
    fan.wait_for_timeout(500)
    assert len(shown(fan)) == kick_off_seen + 2  # nothing else: no false goal, no copy


def test_the_spoiler_delay_holds_a_notification_back(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = fan_with_notifications(web, fan_server, api, match, delay=3)
    before = len(shown(fan))

    api.event(match.id, kind="goal", minute=30, team=match.away["id"], player=match.player("away", "Mertens")["id"])
    recorded_at = time.monotonic()

    fan.wait_for_timeout(1_500)
    assert len(shown(fan)) == before, "shown before the viewer's delay had passed"
    notifications = wait_for_notification(fan, before + 1, timeout=6)
    assert time.monotonic() - recorded_at >= 2.9
    assert notifications[-1]["title"].startswith("Goal! ")


def test_the_service_worker_shows_a_push_and_a_disallowing_replaces_it(web, fan_server):
    """With the site closed a push reaches the service worker (/sw.js): delivered here through the DevTools
    protocol, as the browser's push service would, since this headless browser has none."""
    fan = web.page(fan_server, "/my-teams/")
    fan.context.grant_permissions(["notifications"])
    cdp = fan.context.new_cdp_session(fan)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    fan.evaluate("navigator.serviceWorker.register('/sw.js', {scope: '/'}).then(() => navigator.serviceWorker.ready)")
    deadline = time.monotonic() + 5
    while not any(r["scopeURL"] == f"{fan_server.base_url}/" for r in registrations):
        assert time.monotonic() < deadline, registrations
        fan.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == f"{fan_server.base_url}/")

    def deliver(payload: dict) -> None:
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": fan_server.base_url,
                                                      "registrationId": registration["registrationId"],
                                                      "data": json.dumps(payload)})

    def shown_by_worker() -> list[dict]:
        return fan.evaluate("""navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list =>
            list.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url})))""")

    base = {"type": "notification", "version": 1, "tag": "event-901", "url": "/matches/9/", "match_id": 9}
    deliver({**base, "id": "9-5", "kind": "goal", "title": "Goal! Liverpool FC 0–1 SSC Napoli", "body": "21' Mertens"})
    deadline = time.monotonic() + 5
    while not (found := shown_by_worker()):
        assert time.monotonic() < deadline, "the worker showed nothing"
        fan.wait_for_timeout(100)
    assert found == [{"title": "Goal! Liverpool FC 0–1 SSC Napoli", "body": "21' Mertens", "tag": "event-901",
                      "url": "/matches/9/"}]

    deliver({**base, "id": "9-7", "kind": "goal_disallowed", "title": "Goal disallowed: offside",
             "body": "Liverpool FC 0–0 SSC Napoli"})
    deadline = time.monotonic() + 5
    while (found := shown_by_worker())[0]["title"] != "Goal disallowed: offside":
        assert time.monotonic() < deadline, found
        fan.wait_for_timeout(100)
    assert [(n["title"], n["tag"]) for n in found] == [("Goal disallowed: offside", "event-901")]  # in its place


def test_the_notify_button_keeps_the_pages_language(web, fan_server, api, liverpool_napoli):
    """notify.js writes the button's words itself: in the page's language, on and off, never English again."""
    context = web.context(fan_server, locale="de-DE", **PHONE)
    context.grant_permissions(["notifications"])
    web.allow("push service|Registration failed|notifications with the site closed|Push API in incognito mode")
    fan = context.new_page()
    fan.goto(team_page(api, liverpool_napoli, "away"))
    notify = fan.locator("#notify-teams")
    expect(notify).to_be_visible()
    expect(notify).to_have_text("Benachrichtige mich")
    expect(notify).to_have_attribute("title", "Benachrichtige mich bei Toren, Roten Karten, VAR-Entscheidungen, "
                                              "Anpfiff, Halbzeit und Abpfiff meiner Teams")
    notify.click()
    expect(notify).to_have_attribute("aria-pressed", "true")
    expect(notify).to_have_text("Benachrichtigungen an")
