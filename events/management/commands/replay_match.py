import json
import time
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events import demo, services


class Command(BaseCommand):
    help = (
        "Replay Liverpool 1-1 Napoli (or, with --matchday 6, Group E's last matchday: Napoli v Genk and "
        "Salzburg v Liverpool at the same time) from kick-off through the real write path, at a chosen speed. "
        "With --api, events go through a running server's JSON API, so that its fans see them live."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--matchday",
            type=int,
            choices=[5, 6],
            default=5,
            help="5: Liverpool-Napoli (default); 6: both matches of matchday 6 together",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=30.0,
            help="Match minutes per real minute (30: a match in about three minutes; 0: at once)",
        )
        parser.add_argument("--api", default="", help="Base URL of a running server, e.g. http://127.0.0.1:8000")
        parser.add_argument("--user", default="editor", help="Editor account the API replay signs in as")
        parser.add_argument("--reset-only", action="store_true", help="Only take the matches back to kick-off")
        parser.add_argument("--wait", type=float, default=30.0, help="Seconds to wait for the server to answer")

    def handle(self, *args, matchday, speed, api, user, reset_only, wait, **options):
        matches = demo.matchday_6_matches() if matchday == 6 else [demo.featured_match()]
        for match in matches:
            if match.events.exists():
                services.reset_match(match_id=match.id)
                match.refresh_from_db()
        names = ", ".join(f"{m.home.short_name} v {m.away.short_name}" for m in matches)
        if reset_only:
            self.stdout.write(f"Reset to kick-off: {names}.")
            return
        submit, decide = self.api_client(api.rstrip("/"), user, wait) if api else (None, None)
        demo.play_matches(matches, submit=submit, decide=decide, speed=speed or None)
        for match in matches:
            match.refresh_from_db()
            self.stdout.write(
                f"Replay finished: {match.home.short_name} {match.home_score}-{match.away_score} "
                f"{match.away.short_name}."
            )

    def api_client(self, base: str, username: str, wait: float):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named '{username}'.") from None
        token = services.create_api_token(user=user, name="replay")
        self.wait_for_server(base, wait)

        def call(method: str, path: str, body: dict) -> dict:
            request = urllib.request.Request(
                f"{base}/api{path}",
                data=json.dumps(body).encode(),
                method=method,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            for attempt in range(5):
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        return json.loads(response.read())
                except urllib.error.HTTPError as error:
                    raise CommandError(f"{method} {path}: {error.code} {error.read().decode()}") from None
                except urllib.error.URLError:
                    # The same idempotency key makes the retry safe.
                    time.sleep(0.5 * 2**attempt)
            raise CommandError(f"{method} {path}: the server did not answer")

        def submit(match, payload: dict) -> int:
            result = call("POST", f"/matches/{match.id}/events", payload)
            event = result["event"]
            self.stdout.write(f"  {match.home.code}-{match.away.code} {event['minute_label']:>6} {event['kind_label']}")
            return result["id"]

        def decide(check_id: int, decision: dict) -> None:
            call("POST", f"/events/{check_id}/var-decision", decision)

        return submit, decide

    def wait_for_server(self, base: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/competitions", timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise CommandError(f"No server answered at {base}.") from None
                time.sleep(0.5)
