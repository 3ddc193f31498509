"""The editor console while the database is away: a goal waits in the queue, shown pending, and is
recorded exactly once when the database is back.

The processes here reach PostgreSQL through the cuttable proxy of tests/live/database_outage.py (the
package's cluster does not), so this module runs a cluster of its own; the browser and the helpers
are the package's.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from harness.cluster import LiveCluster
from tests.browser.conftest import wait_live
from tests.live.database_outage import POSTGRES_ONLY, DatabaseProxy, cluster_behind, settle, stored
from tests.live.support import reporting_logs

pytestmark = POSTGRES_ONLY

QUEUE_KEY = "matchcentre.console.queue.v1"


@pytest.fixture(scope="module")
def proxy() -> Iterator[DatabaseProxy]:
    running = DatabaseProxy().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory, proxy) -> Iterator[LiveCluster]:
    with reporting_logs(request, cluster_behind(proxy, tmp_path_factory.mktemp("console-outage"))) as running:
        yield running


@pytest.fixture(autouse=True)
def database_back(cluster, proxy):
    cuts = proxy.cuts
    yield
    proxy.restore()
    if proxy.cuts != cuts and not cluster.dead_servers():
        # See tests/live/database_outage.py; in a thread of its own, as Playwright runs a loop in this one.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(lambda: asyncio.run(asyncio.wait_for(settle(cluster), 20))).result()


def goals_stored(cluster: LiveCluster, match_id: int) -> list[tuple[int, str]]:
    """(id, idempotency key) of the match's goals, read from the database itself, not through the proxy."""
    return [(event_id, key) for event_id, kind, key in stored(cluster, match_id).events if kind == "goal"]


def test_a_goal_entered_while_the_database_is_away_stays_pending_and_is_recorded_once_it_is_back(
    web, editor, fan_server, api, cluster, proxy, liverpool_napoli
):
    match = liverpool_napoli
    match.kick_off(api)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    answers: list[tuple[int, str]] = []
    editor.on(
        "response",
        lambda r: answers.append((r.status, r.request.post_data_json["idempotency_key"]))
        if r.request.method == "POST" and r.url.endswith(f"/api/matches/{match.id}/events")
        else None,
    )
    # The console's attempts while the database is away are refused; Chromium logs each one.
    web.allow(r"status of 503")

    assert proxy.cut() >= len(cluster.servers), "the processes kept no connection: the cut proves less"
    mertens = match.player("away", "Mertens")
    editor.locator('label[for="kind-goal"]').click()
    editor.locator('label[for="team-away"]').click()
    editor.locator("#field-player-search").fill(mertens["name"])  # the player picker: name or number
    editor.keyboard.press("Tab")
    editor.locator("#event-submit").click()

    pending = editor.locator("#pending-list > li")
    expect(editor.locator("#pending-count")).to_have_text("1")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Dries Mertens")
    # Refused twice (the third attempt is the next), each time with the API's word that nothing was saved.
    expect(pending).to_contain_text(re.compile(r"pending, attempt 3\b"))
    expect(pending).to_contain_text("did not confirm")
    assert len(answers) >= 2 and {status for status, _key in answers} == {503}, answers
    assert goals_stored(cluster, match.id) == []
    [queued] = editor.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    assert queued["key"] == answers[0][1]
    # Both pages stay open and live: nothing was recorded, so nothing is shown.
    for page in (editor, fan):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(page.locator("#score-away")).to_have_text("0")
        expect(page.locator('#timeline li[data-kind="goal"]')).to_have_count(0)

    proxy.restore()
    # The queue retries by itself (backoff of a few seconds at this point): nobody clicks anything.
    expect(editor.locator("#pending-count")).to_have_text("0", timeout=10_000)
    expect(editor.locator("#pending-status")).to_have_text(re.compile(r"^Recorded: .*Dries Mertens"))
    for page in (editor, fan):
        expect(page.locator("#score-away")).to_have_text("1")
        expect(page.locator('#timeline li[data-kind="goal"]')).to_have_count(1)
        expect(page.locator('#timeline li[data-kind="goal"]')).to_contain_text("Dries Mertens")
    editor.wait_for_timeout(1_500)  # room for a duplicate to show up, if there were one

    [(goal_id, key)] = goals_stored(cluster, match.id)
    assert key == queued["key"]
    statuses = [status for status, _key in answers]
    assert statuses[-1] == 201 and set(statuses[:-1]) == {503}, answers
    assert {key for _status, key in answers} == {queued["key"]}, "every attempt carries the same key"
    for page in (editor, fan):
        expect(page.locator('#timeline li[data-kind="goal"]')).to_have_count(1)
        expect(page.locator(f"#event-{goal_id}")).to_have_count(1)
    assert editor.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]')") == []
