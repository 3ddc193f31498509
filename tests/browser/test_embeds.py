"""The embeddable widgets in a publisher's page: the code copied from the match and group pages, pasted into a page
of another origin (a plain HTTP server of its own), shows the widgets; an editor's goal reaches them live; their
links open the full page in a new tab; an origin the admin has not listed cannot frame them. The widgets pass axe
on a phone, light and dark, with screenshots.

The widgets come from server B; the editor's goal goes in on server A.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, expect

from tests.browser.conftest import (
    Api,
    DemoMatch,
    Web,
    run_commands,
    screenshot,
    settle,
    wait_live,
)
from tests.browser.test_pages import PHONE, check_accessibility

# app.css's --bg, light and dark: the widget's background.
LIGHT_BACKGROUND = "rgb(238, 241, 245)"
DARK_BACKGROUND = "rgb(10, 15, 21)"
BACKGROUND = "(element) => getComputedStyle(element).backgroundColor"


@dataclass
class Publisher:
    """A site of another origin: its pages are files in `root`, served on `port` of the loopback interface, so that
    http://localhost:{port} (listed by the admin) and http://127.0.0.1:{port} (not listed) are two origins of it."""

    root: Path
    port: int

    @property
    def listed(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def unlisted(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def publish(self, name: str, body: str) -> str:
        (self.root / name).write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The Daily Example</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            "<style>body{font-family:serif;margin:8px}iframe{max-width:100%;border:0;display:block;margin:8px 0}"
            f"</style></head><body><h1>Tonight's football</h1>{body}</body></html>",
            encoding="utf-8",
        )
        return f"/{name}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def publisher(tmp_path, cluster) -> Iterator[Publisher]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = Publisher(tmp_path, server.server_address[1])
    # Listed by the admin, as the admin's form would save it (through the model, which also forgets the cache).
    run_commands(cluster, "from events.models import EmbedSite",
                 "EmbedSite.objects.filter(origin__contains='localhost:').delete()",
                 f"site = EmbedSite(origin='{site.listed}', note='The Daily Example')",
                 "site.full_clean()", "site.save()")
    try:
        yield site
    finally:
        run_commands(cluster, "from events.models import EmbedSite",
                     f"EmbedSite.objects.filter(origin='{site.listed}').delete()")
        server.shutdown()
        server.server_close()


def copy_snippet(page: Page, theme: str) -> str:
    """The code in the page's Embed disclosure, in `theme`, as a reader gets it: open, choose, copy."""
    page.locator("#embed-share summary").click()
    page.get_by_role("group", name="Theme").get_by_label(
        "Follow the reader's setting" if theme == "auto" else theme.capitalize(), exact=True).check()
    code = page.get_by_label("Code to copy")
    if theme != "auto":
        expect(code).to_have_value(re.compile(rf"\?theme={theme}\""))
    page.get_by_role("button", name="Copy code").click()
    expect(page.locator("#embed-copied")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == code.input_value()
    return copied


def test_a_publishers_page_shows_the_widgets_live_and_an_unlisted_site_cannot_frame_them(
        web: Web, fan_server, api: Api, liverpool_napoli: DemoMatch, publisher: Publisher):
    match = liverpool_napoli
    match.kick_off(api)

    # The code, copied from the pages a reader finds it on.
    fan = web.context(fan_server, permissions=["clipboard-read", "clipboard-write"]).new_page()
    fan.goto(f"/matches/{match.id}/")
    dark_match = copy_snippet(fan, "dark")
    assert f"/embed/matches/{match.id}/?theme=dark" in dark_match and 'loading="lazy"' in dark_match
    check_accessibility(fan, "match page with Embed open")
    fan.locator("#embed-share").scroll_into_view_if_needed()
    screenshot(fan, "embed-share-match", full_page=False)
    fan.goto(f"/groups/{match.group_id}/")
    light_table = copy_snippet(fan, "light")
    assert f"/embed/groups/{match.group_id}/table/?theme=light" in light_table

    page_path = publisher.publish(
        "tonight.html",
        f'<div id="match-widget">{dark_match}</div><p>Our report follows.</p>'
        f'<div id="table-widget">{light_table}</div>',
    )

    # A reader whose system prefers dark, on a phone: each widget keeps the theme its code asked for.
    reader = web.context(fan_server, viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="dark")
    page = reader.new_page()
    page.goto(publisher.listed + page_path)
    widget = page.frame_locator("#match-widget iframe")
    table = page.frame_locator("#table-widget iframe")
    wait_live_in(widget)
    wait_live_in(table)
    expect(widget.locator("#score-home")).to_have_text("0")
    expect(widget.locator("body")).to_have_js_property("className", "embed embed--match page-match")
    assert widget.locator("body").evaluate(BACKGROUND) == DARK_BACKGROUND
    assert table.locator("body").evaluate(BACKGROUND) == LIGHT_BACKGROUND
    napoli = table.locator(f'tr[data-team-id="{match.away["id"]}"]')
    expect(napoli).to_have_attribute("data-position", "2")

    # The editor's goal reaches the widgets, across servers, without a reload.
    scored = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                       player=match.player("away", "Mertens")["id"])
    expect(widget.locator("#score-away")).to_have_text("1")
    expect(widget.locator(f'#timeline #event-{scored["id"]}')).to_have_count(1)
    expect(napoli).to_have_attribute("data-position", "1")
    expect(napoli.locator("td.col-pts")).to_have_text("11")
    settle_in(page)
    screenshot(page, "embed-publisher-phone", full_page=False)

    # Its links open the full page in a tab of its own, with no handle on the publisher's page.
    with reader.expect_page() as opened:
        widget.locator(".embed__footer a").click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url == f"{fan_server.base_url}/matches/{match.id}/"
    assert full.evaluate("window.opener") is None
    assert page.url == publisher.listed + page_path

    # The same page from an origin the admin has not listed: the browser refuses to show the widgets in it, and
    # says which rule refused them.
    refusal = (f"Framing '{fan_server.base_url}/' violates the following Content Security Policy directive: "
               f"\"frame-ancestors 'self' {publisher.listed}\". The request has been blocked.")
    web.allow(re.escape(refusal))
    other = reader.new_page()
    other.goto(publisher.unlisted + page_path)
    wait_for(other, lambda: sum(refusal in error for error in web.errors) >= 2, "the browser to refuse both frames")
    for selector in ("#match-widget iframe", "#table-widget iframe"):
        assert not shows_a_widget(other.locator(selector).element_handle().content_frame()), selector


def wait_live_in(frame) -> None:
    expect(frame.locator("#live-status")).to_have_attribute("data-state", "live")


def settle_in(page: Page) -> None:
    for frame in page.frames:
        if frame != page.main_frame:
            frame.evaluate(
                "document.querySelectorAll('.event--new,.row--changed,.score--changed')"
                ".forEach(e => e.classList.remove('event--new','row--changed','score--changed'))")


def shows_a_widget(frame: Frame | None) -> bool:
    if frame is None:
        return False
    try:
        return frame.evaluate("!!document.querySelector('#scoreboard, #table-container')")
    except PlaywrightError:  # a refused frame holds the browser's error page, which a script may not read
        return False


def wait_for(page: Page, condition, what: str, timeout: float = 10.0) -> None:
    """Poll `condition` while Playwright delivers the page's events (a sleep here would hold them back)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        page.wait_for_timeout(50)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_widgets_pass_axe_on_a_phone_with_screenshots(web: Web, fan_server, api: Api,
                                                        liverpool_napoli: DemoMatch, theme):
    match = liverpool_napoli
    match.kick_off(api)
    api.event(match.id, kind="goal", minute=21, team=match.away["id"], player=match.player("away", "Mertens")["id"])
    # The reader prefers the other scheme: the widget's own theme=… is what shows.
    page = web.page(fan_server, viewport=PHONE, is_mobile=True, has_touch=True,
                    color_scheme="dark" if theme == "light" else "light")
    widgets = {"match": f"/embed/matches/{match.id}/", "table": f"/embed/groups/{match.group_id}/table/"}
    for name, path in widgets.items():
        page.goto(f"{path}?theme={theme}")
        wait_live(page)
        settle(page)
        expected = DARK_BACKGROUND if theme == "dark" else LIGHT_BACKGROUND
        assert page.locator("body").evaluate(BACKGROUND) == expected, name
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the {name} widget scrolls sideways at 360 px: {widths}"
        check_accessibility(page, f"{name} widget, {theme}")
        screenshot(page, f"embed-{name}-phone-{theme}")
