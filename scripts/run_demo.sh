#!/usr/bin/env bash
# Set up, load the demo, serve it with Daphne and replay Liverpool-Napoli (or matchday 6) live.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
REPLAY_SPEED=${REPLAY_SPEED:-30}
# DEMO=matchday6 replays Group E's last matchday (two matches at once) instead of Liverpool-Napoli.
DEMO=${DEMO:-liverpool-napoli}
export DEMO_MODE=${DEMO_MODE:-1}
case "$DEMO" in
  matchday6) matchday=6 ;;
  liverpool-napoli) matchday=5 ;;
  *) echo "DEMO must be liverpool-napoli or matchday6" >&2; exit 2 ;;
esac

# Another server on the port would get the replay's writes (and this one none): stop here instead.
if ! "$PYTHON" -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))" "$HOST" "$PORT" 2>/dev/null; then
  echo "Port $PORT on $HOST is in use (another make run?): stop that, or choose another, e.g. PORT=8001 make run" >&2
  exit 1
fi

"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py load_demo
match_id=$("$PYTHON" manage.py shell -v 0 -c "from events import demo; print(demo.featured_match().id)")
group_id=$("$PYTHON" manage.py shell -v 0 -c "from events import demo; print(demo.featured_match().group_id)")
# Back to kick-off before the server starts, so that open pages follow the replay from the start;
# matchday 6 is always still to play when the story starts, and Liverpool-Napoli played before it
# (even after an interrupted run).
"$PYTHON" manage.py replay_match --matchday 6 --reset-only
if [ "$matchday" = 6 ]; then
  "$PYTHON" manage.py replay_match --matchday 5 --speed 0 >/dev/null
else
  "$PYTHON" manage.py replay_match --matchday 5 --reset-only
fi

# The application's access log (matchcentre/access.py; Daphne's own is off under live.server): ACCESS_LOG=0 quiets it.
ACCESS_LOG=${ACCESS_LOG:-1} "$PYTHON" -m live.server --websocket-max-message-size 65536 -b "$HOST" -p "$PORT" matchcentre.asgi:application &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
if ! "$PYTHON" -m matchcentre.health --wait "http://$HOST:$PORT/healthz" --timeout 30 >/dev/null || ! kill -0 $server 2>/dev/null; then
  echo "The server did not start on $HOST:$PORT (see its output above)." >&2
  exit 1
fi

base="http://$HOST:$PORT"
cat <<MSG

  Matchcentre is running at $base/
    Live match:   $base/matches/$match_id/   (Liverpool v Napoli)
    Matchday 6:   $base/groups/$group_id/matchdays/6/   (Napoli v Genk and Salzburg v Liverpool, together)
    Group table:  $base/groups/$group_id/
    Replaying now: $DEMO at ${REPLAY_SPEED}x (DEMO=matchday6 make run for the last matchday)
    Editor:       $base/editor/   login editor / editor-demo-pass
    Admin:        $base/admin/    login admin / admin-demo-pass
    API:          $base/api/docs

  Demo accounts exist only in demo mode (DEBUG on). Ctrl-C stops the server.

MSG
"$PYTHON" manage.py replay_match --matchday "$matchday" --api "$base" --speed "$REPLAY_SPEED"
echo "  Replay over; the server keeps running. Ctrl-C to stop."
wait $server
