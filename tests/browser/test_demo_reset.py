"""The demo's server as `make run` starts it (one process, the in-memory channel layer, no Redis): a page open
on the finished match follows a reset made from the command line, and no page asks for an icon in vain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from harness.cluster import DaphneProcess, run_manage, start_daphne
from matchcentre.health import wait_until_healthy
from tests.browser.conftest import ADMIN, assert_not_reloaded, log_in, mark_no_reload, screenshot, wait_live
from tests.live.test_demo_replay import demo_env


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[tuple[DaphneProcess, dict[str, str], int]]:
    """Liverpool-Napoli played (FT 1-1) on a server of its own, as `make run` serves it."""
    work = tmp_path_factory.mktemp("demo-reset")
    env = demo_env(work)
    run_manage(["migrate", "--noinput", "-v0"], env)
    output = run_manage(["load_demo"], env)
    match_id = int(output.split("(match ")[1].split(",")[0])
    server = start_daphne("demo", env, work)
    try:
        healthy, last = wait_until_healthy(f"{server.base_url}/healthz", timeout=30, host="127.0.0.1")
        assert healthy, f"{last}\n{server.output()}"
        yield server, env, match_id
    finally:
        server.stop()


def test_an_open_page_returns_to_the_pre_match_after_a_reset_from_the_command_line(web, demo_server):
    server, env, match_id = demo_server
    run_manage(["replay_match", "--speed", "0", "-v0"], env)  # full time, 1-1, whatever came before
    page = web.page(server, f"/matches/{match_id}/")
    wait_live(page)
    board = page.locator("#scoreboard")
    expect(board).to_have_attribute("data-status", "finished")
    expect(page.locator("#match-clock")).to_have_text("FT")
    mark_no_reload(page)

    run_manage(["replay_match", "--reset-only", "--api", server.base_url], env)

    expect(board).to_have_attribute("data-status", "scheduled")
    expect(board).to_have_attribute("data-period", "pre_match")
    expect(page.locator("#match-clock")).not_to_have_text("FT")
    wait_live(page)
    assert_not_reloaded(page)
    screenshot(page, "demo-reset-pre-match")


# An admin page signed in, a page of the site, and a JSON document (which names no icon at all).
PAGES = ["/admin/login/", "/admin/", "/admin/events/match/", "/", "/editor/login/", "/healthz"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_asks_for_a_missing_icon(web, demo_server, path):
    server = demo_server[0]
    page = web.page(server)
    if path.startswith("/admin/") and path != "/admin/login/":
        log_in(page, *ADMIN, next_path=path)
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert missing == []
    icon = page.request.get("/favicon.ico")
    assert icon.ok and "svg" in icon.headers["content-type"]
