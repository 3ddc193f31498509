import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events import demo, demo_ucl2024, demo_worldcup, replay, services
from events.models import Match, Period
from events.reads.shapes import minute_label


class Command(BaseCommand):
    help = (
        "Replay Liverpool 1-1 Napoli (or, with --matchday 6, Group E's last matchday: Napoli v Genk and "
        "Salzburg v Liverpool at the same time; with --demo ucl2024, the 2024-25 league phase's matchday 8, "
        "18 matches at once) from kick-off through the real write path, at a chosen speed, "
        "narrating it. With --api, the reset and the events go through a running server's JSON API, so that "
        "its open pages see them."
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
        parser.add_argument(
            "--demo",
            dest="demo_name",
            choices=sorted(demo.DEMO_SUMMARIES),
            default="",
            help="ucl2024: matchday 8 of the 2024-25 league phase, 18 matches at once, their half-time and final "
            "scores as the data holds them; worldcup2026: the 2026 World Cup's last round of group matches, two "
            "at once, from their recorded goals; worldcup2022-final: the 2022 final with extra time and the "
            "shoot-out's result (liverpool-napoli and matchday6: as --matchday 5 and 6)",
        )
        parser.add_argument(
            "--match",
            dest="match_id",
            type=int,
            default=None,
            help="Any imported match with recorded goals (its id): replayed from them, with extra time and the "
            "shootout's result when it had them",
        )
        parser.add_argument("--api", default="", help="Base URL of a running server, e.g. http://127.0.0.1:8000")
        parser.add_argument("--user", default="editor", help="Editor account the API replay signs in as")
        parser.add_argument("--reset-only", action="store_true", help="Only take the matches back to kick-off")
        parser.add_argument("--wait", type=float, default=30.0, help="Seconds to wait for the server to answer")

    def handle(self, *args, matchday, demo_name, speed, api, user, reset_only, wait, verbosity, match_id, **options):
        if speed < 0:
            raise CommandError("--speed cannot be negative.")
        client = ApiClient(api.rstrip("/"), self.api_token(user), wait) if api else None
        if match_id is not None:
            self.replay_recorded(match_id, client, speed=speed, reset_only=reset_only, verbosity=verbosity)
            return
        if demo_name == "ucl2024":
            self.replay_league_night(client, speed=speed, reset_only=reset_only, verbosity=verbosity)
            return
        if demo_name in demo_worldcup.EDITIONS:
            self.replay_world_cup(demo_name, client, speed=speed, reset_only=reset_only, verbosity=verbosity)
            return
        matchday = demo.DEMOS.get(demo_name, matchday)
        matches = demo.matchday_6_matches() if matchday == 6 else [demo.featured_match()]
        for match in matches:
            # A replay starts from kick-off; asked for a reset, reset even a match already there, so that
            # pages left stale by an earlier reset (one no server heard of) are told.
            if reset_only or match.events.exists():
                reset(client, match)
        names = ", ".join(f"{m.home.short_name} v {m.away.short_name}" for m in matches)
        if reset_only:
            if verbosity:
                self.stdout.write(f"Reset to kick-off: {names}.")
            if not client and verbosity and "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
                self.stderr.write(
                    "Without Redis, only this process heard of the reset: pages open on a running server still "
                    "show the old state. To reset through the server, add --api, e.g. --api http://127.0.0.1:8000"
                )
            return
        tags = len(matches) > 1

        def played(match, step, decision):
            if verbosity < 1:
                return
            match.refresh_from_db(fields=["home_score", "away_score"])
            # Added time is announced at the period's last regular minute (as on the page).
            added = None if step.kind == "added_time" else step.added_minute
            minute = "" if decision else minute_label(step.minute, added)
            tag = f"{match.home.code}-{match.away.code} " if tags else ""
            self.stdout.write(f"  {tag}{minute:>6}  {demo.narration(match, step, decision=decision, speed=speed)}")
            self.stdout.flush()

        demo.play_matches(
            matches,
            submit=client.submit if client else None,
            decide=client.decide if client else None,
            speed=speed or None,
            played=played,
        )
        for match in matches:
            match.refresh_from_db()
            self.stdout.write(
                f"Replay finished: {match.home.short_name} {match.home_score}-{match.away_score} "
                f"{match.away.short_name}."
            )

    def replay_league_night(self, client: "ApiClient | None", *, speed: float, reset_only: bool, verbosity: int):
        """Matchday 8 of 2024-25: the 18 matches back to not played, then their scores as the data holds them."""
        matches, night = demo_ucl2024.live_night()
        for match in matches:
            if reset_only or not demo_ucl2024.at_kick_off(match):
                reset(client, match)
        if reset_only:
            if verbosity:
                self.stdout.write(f"Reset to kick-off: the {len(matches)} matches of matchday "
                                  f"{demo_ucl2024.LIVE_MATCHDAY}.")
            return
        group = demo_ucl2024.league_group()

        def played(match, cue):
            if verbosity < 1:
                return
            line = demo_ucl2024.narration(match, cue, speed=speed)
            if line:
                self.stdout.write(f"  {demo_ucl2024.minute_label(cue):>6}  {line}")
            if cue.last_of_moment and cue.period in (Period.HALF_TIME, Period.FULL_TIME):
                self.stdout.write(f"          {demo_ucl2024.standing(group)}")
            self.stdout.flush()

        demo_ucl2024.play_night(
            matches, night, submit=client.submit_score if client else None, speed=speed or None, played=played
        )
        finished = Match.objects.filter(pk__in=[m.id for m in matches], status=Match.Status.FINISHED).count()
        self.stdout.write(f"Replay finished: {finished} of matchday {demo_ucl2024.LIVE_MATCHDAY}'s "
                          f"{len(matches)} matches played.")

    def replay_world_cup(self, name: str, client: "ApiClient | None", *, speed: float, reset_only: bool,
                         verbosity: int) -> None:
        """A World Cup demo's live matches back to not played, then played from the file's record: goals at
        their minutes, the matches of one kick-off together, with the ranking of thirds as it moves."""
        pairs = demo_worldcup.live_matches(name)
        for match, _fixture in pairs:
            if reset_only or not demo_worldcup.at_kick_off(match):
                reset(client, match)
        if reset_only:
            if verbosity:
                self.stdout.write(f"Reset to kick-off: the {len(pairs)} matches of the {name} demo.")
            return
        tournament = demo_worldcup.competition(name)
        qualified = demo_worldcup.qualified_thirds(tournament)

        def played(cue: demo_worldcup.Cue) -> None:
            nonlocal qualified
            if verbosity < 1:
                return
            match, step = cue.match, cue.step
            match.refresh_from_db(fields=["home_score", "away_score", "home_penalties", "away_penalties", "period"])
            minute = minute_label(step.minute, step.added_minute) if step.timed else ""
            where = f"{match.group.name.removeprefix('Group ')} " if match.group_id else ""
            self.stdout.write(f"  {where}{minute:>6}  {replay.narration(match, step)}")
            now = demo_worldcup.qualified_thirds(tournament)
            if now != qualified:
                self.stdout.write(f"          {demo_worldcup.thirds_moved(qualified, now)}")
                qualified = now
            if step.kind == "period_end" and match.period == "full_time" and match.group_id:
                line = demo_worldcup.thirds_line(tournament)
                if line:
                    self.stdout.write(f"          {line}")
            self.stdout.flush()

        demo_worldcup.play(pairs, submit=client.submit if client else None,
                           submit_shootout=client.submit_shootout if client else None, speed=speed or None,
                           played=played)
        finished = Match.objects.filter(pk__in=[m.id for m, _ in pairs], status=Match.Status.FINISHED).count()
        self.stdout.write(f"Replay finished: {finished} of the {len(pairs)} matches played.")

    def replay_recorded(self, match_id: int, client: "ApiClient | None", *, speed: float, reset_only: bool,
                        verbosity: int) -> None:
        """An imported match replayed from its recorded goals: the record is read, the match taken back to
        kick-off, then played again at `speed`, through the API with --api."""
        match = Match.objects.select_related("home", "away").filter(pk=match_id).first()
        if match is None:
            raise CommandError(f"No match {match_id}.")
        script = replay.script_of(match)
        if not script and not reset_only:
            raise CommandError(f"{match}: no recorded goals or periods to replay (only its result is known).")
        reset(client, match)
        if reset_only:
            if verbosity:
                self.stdout.write(f"Reset to kick-off: {match.home.short_name} v {match.away.short_name}.")
            return

        def played(step: replay.Step) -> None:
            if verbosity < 1:
                return
            match.refresh_from_db(fields=["home_score", "away_score", "home_penalties", "away_penalties", "period"])
            minute = minute_label(step.minute, step.added_minute) if step.timed else ""
            self.stdout.write(f"  {minute:>6}  {replay.narration(match, step)}")
            self.stdout.flush()

        replay.play(match, script, submit=client.submit if client else None,
                    submit_shootout=client.submit_shootout if client else None, speed=speed or None, played=played)
        match.refresh_from_db()
        shootout = (f", {match.home_penalties}-{match.away_penalties} on penalties"
                    if match.home_penalties is not None else "")
        self.stdout.write(
            f"Replay finished: {match.home.short_name} {match.home_score}-{match.away_score} "
            f"{match.away.short_name}{shootout}."
        )

    def api_token(self, username: str) -> str:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named '{username}'.") from None
        return services.create_api_token(user=user, name="replay")


def reset(client: "ApiClient | None", match: Match) -> None:
    """Back to kick-off through a running server's API (so that its open pages are told), or the services."""
    if client:
        client.call("POST", f"/matches/{match.id}/reset", {})
    else:
        services.reset_match(match_id=match.id)
    match.refresh_from_db()


class ApiClient:
    """The replay's writes through a running server's JSON API, as an editor's client would make them."""

    def __init__(self, base: str, token: str, wait: float):
        self.base = base
        self.token = token
        self.wait_for_server(wait)

    def call(self, method: str, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.base}/api{path}",
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                raise CommandError(f"{method} {path}: {error.code} {error.read().decode()}") from None
            except urllib.error.URLError:
                # The same idempotency key makes the retry safe (and a second reset changes nothing more).
                time.sleep(0.5 * 2**attempt)
        raise CommandError(f"{method} {path}: the server did not answer")

    def submit(self, match, payload: dict) -> int:
        return self.call("POST", f"/matches/{match.id}/events", payload)["id"]

    def submit_score(self, match, payload: dict) -> None:
        self.call("POST", f"/matches/{match.id}/score", payload)

    def submit_shootout(self, match, penalties: tuple[int, int]) -> None:
        self.call("POST", f"/matches/{match.id}/shootout", {"home": penalties[0], "away": penalties[1]})

    def decide(self, check_id: int, decision: dict) -> None:
        self.call("POST", f"/events/{check_id}/var-decision", decision)

    def wait_for_server(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/api/competitions", timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise CommandError(f"No server answered at {self.base}.") from None
                time.sleep(0.5)
