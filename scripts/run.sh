#!/usr/bin/env bash
# `make run`: prepare the environment, start every server under supervisord (which
# restarts any that dies and says which), print the URLs, stop everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
umask 077  # databases, outbox files and logs: readable by this user only

secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))'; }

# Logs, supervisord's socket and pid file (databases: SSCN_DATABASE_URL, SSCN_TRACKER_DB).
export SSCN_VAR_DIR=${SSCN_VAR_DIR:-$PWD/var}
export SSCN_RASA_PORT=${SSCN_RASA_PORT:-5005}
export SSCN_ACTIONS_PORT=${SSCN_ACTIONS_PORT:-5055}
export SSCN_CONSOLE_PORT=${SSCN_CONSOLE_PORT:-8080}
export SSCN_ACTION_ENDPOINT_URL=${SSCN_ACTION_ENDPOINT_URL:-http://127.0.0.1:${SSCN_ACTIONS_PORT}/webhook}
export SSCN_TRACKER_DB=${SSCN_TRACKER_DB:-var/tracker.db}
export SSCN_RASA_URL=${SSCN_RASA_URL:-http://127.0.0.1:${SSCN_RASA_PORT}}
export SSCN_MODEL=${SSCN_MODEL:-models/sscn.tar.gz}
# Shared secrets between our own processes: random per run unless configured.
# They travel in the environment (readable by this user only), never on a command line.
[ -n "${SSCN_RASA_AUTH_TOKEN:-}${SSCN_RASA_AUTH_TOKEN_FILE:-}" ] || export SSCN_RASA_AUTH_TOKEN=$(secret)
[ -n "${SSCN_ACTION_TOKEN:-}${SSCN_ACTION_TOKEN_FILE:-}" ] || export SSCN_ACTION_TOKEN=$(secret)
export SSCN_POLLER_TOKEN=${SSCN_POLLER_TOKEN:-$(secret)}
# The long-polling bridge posts to our own webhook: it needs a secret even on a laptop.
if [ -n "${TELEGRAM_TOKEN:-}" ] && [ -z "${TELEGRAM_WEBHOOK_SECRET:-}" ]; then
  export TELEGRAM_WEBHOOK_SECRET=$(secret)
fi

export SSCN_RUN_TELEGRAM_POLLER=false SSCN_RUN_TWITTER_POLLER=false
extra=""
if [ -n "${TELEGRAM_TOKEN:-}" ]; then
  if [ -n "${TELEGRAM_WEBHOOK_URL:-}" ]; then
    .venv/bin/sscn telegram set-webhook "$TELEGRAM_WEBHOOK_URL"
    extra+="  Telegram:       webhook ${TELEGRAM_WEBHOOK_URL}"$'\n'
  else
    SSCN_RUN_TELEGRAM_POLLER=true
    extra+="  Telegram:       long polling (no TELEGRAM_WEBHOOK_URL), log $SSCN_VAR_DIR/log/telegram.log"$'\n'
  fi
fi
if [ -n "${TWITTER_API_KEY:-}" ] && [ -n "${TWITTER_ACCESS_TOKEN:-}" ]; then
  SSCN_RUN_TWITTER_POLLER=true
  extra+="  X mentions:     polled every ${SSCN_TWITTER_POLL_SECONDS:-60} s, log $SSCN_VAR_DIR/log/twitter.log"$'\n'
fi

mkdir -p "$SSCN_VAR_DIR/log"
chmod 700 "$SSCN_VAR_DIR" "$SSCN_VAR_DIR/log"
echo "Applying ledger migrations..."
.venv/bin/sscn db upgrade

.venv/bin/supervisord -c deploy/supervisord.conf &
manager=$!
stop() {
  trap - INT TERM EXIT
  trap '' PIPE  # the terminal may already be gone
  kill -TERM "$manager" 2>/dev/null || true
  wait "$manager" 2>/dev/null || true
  echo "Stopped." 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # url, name
  for _ in $(seq 1 180); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$manager" 2>/dev/null; then echo "supervisord exited; see $SSCN_VAR_DIR/log/"; exit 1; fi
    sleep 1
  done
  echo "$2 did not start within 3 minutes; see $SSCN_VAR_DIR/log/"; exit 1
}
echo "Starting the action server, the Rasa server and the console (logs in $SSCN_VAR_DIR/log/)..."
wait_for "http://127.0.0.1:${SSCN_ACTIONS_PORT}/health" "action server"
wait_for "http://127.0.0.1:${SSCN_RASA_PORT}/" "Rasa server"
wait_for "http://127.0.0.1:${SSCN_CONSOLE_PORT}/health" "agent console"

rest="off (SSCN_REST_CHANNEL=1 turns it on)"
[ "${SSCN_REST_CHANNEL:-0}" = "1" ] && rest="POST http://localhost:${SSCN_RASA_PORT}/webhooks/rest/webhook"
cat <<MSG

  SSCN Helpdesk is running (a server that dies is restarted; this window says which).
  Web chat:       http://localhost:${SSCN_RASA_PORT}/webhooks/webchat/
  REST channel:   ${rest}
  Agent console:  http://localhost:${SSCN_CONSOLE_PORT}/
                  (first account: .venv/bin/sscn agents add NAME --role supervisor)
  Daily jobs:     FAQ suggestions, privacy purge at ${SSCN_DAILY_AT:-02:00} (log $SSCN_VAR_DIR/log/daily.log)
  Processes:      SSCN_VAR_DIR=$SSCN_VAR_DIR .venv/bin/supervisorctl -c deploy/supervisord.conf status
${extra}
  Press Ctrl-C to stop.
MSG
wait "$manager"
