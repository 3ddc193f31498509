#!/usr/bin/env bash
# Set up, load the demo, serve it with Daphne and replay Liverpool-Napoli (or matchday 6, or 2024-25's
# league-phase matchday 8) live, narrated.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# DEMO=matchday6 replays Group E's last matchday (two matches at once) instead of Liverpool-Napoli;
# DEMO=ucl2024 the 2024-25 league phase's last matchday (18 matches at once, from their half-time and final scores);
# DEMO=worldcup2026 the 2026 World Cup's last round of group matches (12 kick-offs of two matches, one after
# another, from their recorded goals); DEMO=worldcup2022-final the 2022 final (extra time, the shoot-out's result).
DEMO=${DEMO:-liverpool-napoli}
# Match minutes per real minute. The World Cup's last group round is 12 kick-offs in turn: at 180x, about 8 minutes.
if [ "$DEMO" = worldcup2026 ]; then REPLAY_SPEED=${REPLAY_SPEED:-180}; else REPLAY_SPEED=${REPLAY_SPEED:-30}; fi
# Seconds to wait for a first fan page before kicking off anyway.
KICKOFF_WAIT=${KICKOFF_WAIT:-20}
# The server's own output (the access log, warnings, errors), kept out of the console's narration.
SERVER_LOG=${SERVER_LOG:-logs/demo-server.log}
# The task queue's worker (webhooks' deliveries, docs/webhooks.md): its output, and the Redis it works on
# (`make run` starts a throwaway one when none answers; the channel layer stays in memory).
WORKER_LOG=${WORKER_LOG:-$(dirname "$SERVER_LOG")/demo-worker.log}
if [ -z "${TASK_QUEUE_URL:-}" ] && [ -z "${REDIS_URL:-}" ]; then export TASK_QUEUE_URL=redis://127.0.0.1:6379/0; fi
export DEMO_MODE=${DEMO_MODE:-1}
export ACCESS_LOG=${ACCESS_LOG:-1}
case "$DEMO" in
  matchday6) matchday=6 ;;
  liverpool-napoli) matchday=5 ;;
  ucl2024) matchday=8 ;;
  worldcup2026|worldcup2022-final) matchday= ;;
  *) echo "DEMO must be liverpool-napoli, matchday6, ucl2024, worldcup2026 or worldcup2022-final" >&2; exit 2 ;;
esac

# Another server on the port would get the replay's writes (and this one none): stop here instead.
if ! "$PYTHON" -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))" "$HOST" "$PORT" 2>/dev/null; then
  echo "Port $PORT on $HOST is in use (another make run?): stop that, or choose another, e.g. PORT=8001 make run" >&2
  exit 1
fi

log_dir=$(dirname "$SERVER_LOG")
mkdir -p "$log_dir"
# A log directory of our making keeps itself out of git.
[ "$log_dir" = logs ] && [ ! -e logs/.gitignore ] && echo '*' > logs/.gitignore
: > "$SERVER_LOG"
mkdir -p "$(dirname "$WORKER_LOG")"
: > "$WORKER_LOG"

"$PYTHON" manage.py migrate --noinput -v0
if [ "$DEMO" = ucl2024 ] || [ -z "$matchday" ]; then
  # ucl2024: matchdays 1-7 played, matchday 8 taken back to not played (even after an interrupted run); the
  # file's problems are listed, and stop nothing. The World Cup demos: the tournament before the matches
  # they replay, those taken back to not played.
  "$PYTHON" manage.py load_demo --demo "$DEMO"
else
  "$PYTHON" manage.py load_demo
  # Back to kick-off before the server starts, so that open pages follow the replay from the start;
  # matchday 6 is always still to play when the story starts, and Liverpool-Napoli played before it
  # (even after an interrupted run).
  "$PYTHON" manage.py replay_match --matchday 6 --reset-only -v0
  if [ "$matchday" = 6 ]; then
    "$PYTHON" manage.py replay_match --matchday 5 --speed 0 -v0
  else
    "$PYTHON" manage.py replay_match --matchday 5 --reset-only -v0
  fi
fi

server= worker=
trap 'kill $server $worker 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
queue_url=${TASK_QUEUE_URL:-${REDIS_URL:-}}
if "$PYTHON" -c "import sys; from harness.services import redis_answers; sys.exit(not redis_answers(sys.argv[1]))" "$queue_url"; then
  "$PYTHON" manage.py rqworker "${WEBHOOK_QUEUE:-webhooks}" --with-scheduler >>"$WORKER_LOG" 2>&1 &
  worker=$!
else
  # Nothing to enqueue on: the server does not try, and deliveries wait in the database for a worker.
  echo "No Redis answers at $queue_url: webhooks wait until a worker runs (make run starts one)." >&2
  export TASK_QUEUE_URL=
fi

# The application's access log (matchcentre/access.py; Daphne's own is off under live.server): ACCESS_LOG=0 quiets it.
"$PYTHON" -m live.server --websocket-max-message-size 65536 -b "$HOST" -p "$PORT" matchcentre.asgi:application \
  >>"$SERVER_LOG" 2>&1 &
server=$!
if ! "$PYTHON" -m matchcentre.health --wait "http://$HOST:$PORT/healthz" --timeout 30 >/dev/null || ! kill -0 $server 2>/dev/null; then
  echo "The server did not start on $HOST:$PORT. The end of its log ($SERVER_LOG):" >&2
  tail -n 30 "$SERVER_LOG" >&2
  exit 1
fi

base="http://$HOST:$PORT"
"$PYTHON" manage.py shell -v 0 -c "from events import demo; print(demo.banner(demo_name='$DEMO', base_url='$base', speed=$REPLAY_SPEED, server_log='$SERVER_LOG', kickoff_wait=$KICKOFF_WAIT))"
[ -n "$worker" ] && echo "  Webhooks (admin: $base/admin/events/webhook/) are sent by the task queue's worker: its log is $WORKER_LOG."

# A fan page is open once its socket is: the access log says so (editors' sockets are not fans).
fan_page_open() { grep 'WSCONNECT /ws/' "$SERVER_LOG" | grep -qv 'WSCONNECT /ws/editor/'; }
if [ "$ACCESS_LOG" = 0 ]; then
  echo "  Waiting ${KICKOFF_WAIT} s before kick-off (ACCESS_LOG=0: no way to tell when a page opens)."
fi
deadline=$((SECONDS + ${KICKOFF_WAIT%.*}))
until fan_page_open || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
if fan_page_open; then echo "  A fan page is open: kick-off."; else echo "  No fan page yet: kick-off anyway."; fi

if [ "$DEMO" = ucl2024 ] || [ -z "$matchday" ]; then
  replay=(--demo "$DEMO")
else
  replay=(--matchday "$matchday")
fi
if ! "$PYTHON" manage.py replay_match "${replay[@]}" --api "$base" --speed "$REPLAY_SPEED"; then
  echo "The replay stopped. The end of the server's log ($SERVER_LOG):" >&2
  tail -n 30 "$SERVER_LOG" >&2
  exit 1
fi
echo "  Replay over; the server keeps running (its log: $SERVER_LOG). Ctrl-C to stop."
wait $server
