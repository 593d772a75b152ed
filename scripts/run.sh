#!/usr/bin/env bash
# Start the action server and the Rasa server, print the URLs, and stop both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a

RASA_PORT=${SSCN_RASA_PORT:-5005}
ACTIONS_PORT=${SSCN_ACTIONS_PORT:-5055}
export SSCN_ACTION_ENDPOINT_URL=${SSCN_ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}
export SSCN_TRACKER_DB=${SSCN_TRACKER_DB:-var/tracker.db}
export SSCN_RASA_URL=${SSCN_RASA_URL:-http://127.0.0.1:${RASA_PORT}}
# The X poller authenticates to our own channel with this token.
export SSCN_POLLER_TOKEN=${SSCN_POLLER_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}
# The long-polling bridge posts to our own webhook: it needs a secret even on a laptop.
if [ -n "${TELEGRAM_TOKEN:-}" ] && [ -z "${TELEGRAM_WEBHOOK_SECRET:-}" ]; then
  TELEGRAM_WEBHOOK_SECRET=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  export TELEGRAM_WEBHOOK_SECRET
fi
AUTH_TOKEN=${SSCN_RASA_AUTH_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}
export SSCN_RASA_AUTH_TOKEN=$AUTH_TOKEN  # the console and pollers call Rasa's API with it
CONSOLE_PORT=${SSCN_CONSOLE_PORT:-8080}
mkdir -p var/log

echo "Applying ledger migrations..."
.venv/bin/sscn db upgrade

pids=()
stop() {
  # Kill first: the terminal may already be gone (SIGPIPE), and nothing may stay behind.
  trap - INT TERM EXIT
  trap '' PIPE
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped." 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # url, name, pid
  for _ in $(seq 1 180); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 exited; see var/log/"; exit 1; fi
    sleep 1
  done
  echo "$2 did not start within 3 minutes; see var/log/"; exit 1
}

setsid .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" \
  >var/log/actions.log 2>&1 &
pids+=($!)
setsid .venv/bin/rasa run --model models/sscn.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" --enable-api --auth-token "$AUTH_TOKEN" \
  --cors "*" >var/log/rasa.log 2>&1 &
pids+=($!)

echo "Starting the action server and the Rasa server (logs in var/log/)..."
wait_for "http://127.0.0.1:${ACTIONS_PORT}/health" "action server" "${pids[0]}"
wait_for "http://127.0.0.1:${RASA_PORT}/status?token=${AUTH_TOKEN}" "Rasa server" "${pids[1]}"

setsid .venv/bin/sscn console --port "$CONSOLE_PORT" >var/log/console.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:${CONSOLE_PORT}/health" "agent console" "${pids[2]}"

extra=""
if [ -n "${TELEGRAM_TOKEN:-}" ]; then
  if [ -n "${TELEGRAM_WEBHOOK_URL:-}" ]; then
    .venv/bin/sscn telegram set-webhook "$TELEGRAM_WEBHOOK_URL"
    extra+="  Telegram:       webhook ${TELEGRAM_WEBHOOK_URL}"$'\n'
  else
    setsid .venv/bin/sscn telegram poll >var/log/telegram.log 2>&1 &
    pids+=($!)
    extra+="  Telegram:       long polling (no TELEGRAM_WEBHOOK_URL), log var/log/telegram.log"$'\n'
  fi
fi
if [ -n "${TWITTER_API_KEY:-}" ] && [ -n "${TWITTER_ACCESS_TOKEN:-}" ]; then
  setsid .venv/bin/sscn twitter poll >var/log/twitter.log 2>&1 &
  pids+=($!)
  extra+="  X mentions:     polled every ${SSCN_TWITTER_POLL_SECONDS:-60} s, log var/log/twitter.log"$'\n'
fi
cat <<MSG

  SSCN Helpdesk is running.
  Web chat:       http://localhost:${RASA_PORT}/webhooks/webchat/
  REST channel:   POST http://localhost:${RASA_PORT}/webhooks/rest/webhook
  Agent console:  http://localhost:${CONSOLE_PORT}/
                  (first account: .venv/bin/sscn agents add NAME --role supervisor)
  Action server:  http://localhost:${ACTIONS_PORT}/health
${extra}
  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A server exited unexpectedly; see var/log/."
