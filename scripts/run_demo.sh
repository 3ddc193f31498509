#!/usr/bin/env bash
# Set up, load the demo, serve it with Daphne and replay Liverpool-Napoli live.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
REPLAY_SPEED=${REPLAY_SPEED:-30}
export DEMO_MODE=${DEMO_MODE:-1}

"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py load_demo
match_id=$("$PYTHON" manage.py shell -v 0 -c "from events import demo; print(demo.featured_match().id)")
group_id=$("$PYTHON" manage.py shell -v 0 -c "from events import demo; print(demo.featured_match().group_id)")
# Back to kick-off before the server starts, so that open pages follow the replay from the start.
"$PYTHON" manage.py replay_match --reset-only

"$PYTHON" -m daphne -b "$HOST" -p "$PORT" matchcentre.asgi:application &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM

base="http://$HOST:$PORT"
cat <<MSG

  Matchcentre is running at $base/
    Live match:   $base/matches/$match_id/   (Liverpool v Napoli, replayed now at ${REPLAY_SPEED}x)
    Group table:  $base/groups/$group_id/
    Editor:       $base/editor/   login editor / editor-demo-pass
    Admin:        $base/admin/    login admin / admin-demo-pass
    API:          $base/api/docs

  Demo accounts exist only in demo mode (DEBUG on). Ctrl-C stops the server.

MSG
"$PYTHON" manage.py replay_match --api "$base" --speed "$REPLAY_SPEED"
echo "  Replay over; the server keeps running. Ctrl-C to stop."
wait $server
