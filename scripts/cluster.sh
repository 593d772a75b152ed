#!/usr/bin/env bash
# `make cluster`: the production shape on one machine. N_RASA Rasa instances and
# N_ACTIONS action servers behind nginx, PostgreSQL for the tracker store and the
# ledger, Redis as lock store, the console and (when configured) the pollers, run
# by supervisord, which restarts any of them that dies. Configuration from the
# environment only (.env.example, "Production on one machine"); prints the URLs;
# Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
umask 077
command -v nginx >/dev/null || { echo "make cluster needs nginx (Debian: apt-get install nginx)"; exit 1; }

secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))'; }

export N_RASA=${N_RASA:-2} N_ACTIONS=${N_ACTIONS:-2}
export SSCN_VAR_DIR=${SSCN_VAR_DIR:-$PWD/var}
export SSCN_CLUSTER_DIR=${SSCN_CLUSTER_DIR:-$SSCN_VAR_DIR/cluster}
export SSCN_CLUSTER_PORT=${SSCN_CLUSTER_PORT:-8000}
export SSCN_CLUSTER_ACTIONS_LB_PORT=${SSCN_CLUSTER_ACTIONS_LB_PORT:-5055}
export SSCN_CLUSTER_RASA_PORT=${SSCN_CLUSTER_RASA_PORT:-5010}  # instance i: this + i
export SSCN_CLUSTER_ACTIONS_PORT=${SSCN_CLUSTER_ACTIONS_PORT:-5060}
export SSCN_CONSOLE_PORT=${SSCN_CONSOLE_PORT:-8080}
export SSCN_MODEL=${SSCN_MODEL:-models/sscn.tar.gz}
export SSCN_ENDPOINTS=deploy/endpoints.production.yml
export SSCN_ACTION_ENDPOINT_URL=http://127.0.0.1:${SSCN_CLUSTER_ACTIONS_LB_PORT}/webhook
export SSCN_RASA_URL=http://127.0.0.1:${SSCN_CLUSTER_PORT}  # console and pollers go through nginx
export SSCN_DATABASE_URL=${SSCN_DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/sscn}
export SSCN_TRACKER_HOST=${SSCN_TRACKER_HOST:-127.0.0.1} SSCN_TRACKER_PORT=${SSCN_TRACKER_PORT:-5432}
export SSCN_TRACKER_DB=${SSCN_TRACKER_DB:-sscn_tracker} SSCN_TRACKER_USER=${SSCN_TRACKER_USER:-postgres}
export SSCN_TRACKER_PASSWORD=${SSCN_TRACKER_PASSWORD:-} SSCN_TRACKER_LOGIN_DB=${SSCN_TRACKER_LOGIN_DB:-postgres}
export SSCN_REDIS_HOST=${SSCN_REDIS_HOST:-127.0.0.1} SSCN_REDIS_PORT=${SSCN_REDIS_PORT:-6379}
export SSCN_REDIS_DB=${SSCN_REDIS_DB:-1}
[ -n "${SSCN_RASA_AUTH_TOKEN:-}${SSCN_RASA_AUTH_TOKEN_FILE:-}" ] || export SSCN_RASA_AUTH_TOKEN=$(secret)
[ -n "${SSCN_ACTION_TOKEN:-}${SSCN_ACTION_TOKEN_FILE:-}" ] || export SSCN_ACTION_TOKEN=$(secret)
export SSCN_POLLER_TOKEN=${SSCN_POLLER_TOKEN:-$(secret)}
if [ -n "${TELEGRAM_TOKEN:-}" ] && [ -z "${TELEGRAM_WEBHOOK_SECRET:-}" ]; then
  export TELEGRAM_WEBHOOK_SECRET=$(secret)
fi

mkdir -p "$SSCN_VAR_DIR"
echo "Preparing the databases and the configuration..."
setup_log="$SSCN_VAR_DIR/cluster-setup.log"
.venv/bin/python scripts/cluster.py >"$setup_log" 2>&1 || { tail -20 "$setup_log"; exit 1; }
echo "Applying ledger migrations..."
.venv/bin/sscn db upgrade

.venv/bin/supervisord -c "$SSCN_CLUSTER_DIR/supervisord.conf" &
manager=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$manager" 2>/dev/null || true
  wait "$manager" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

up() {  # every instance, the console and nginx answer
  local i
  for ((i = 0; i < N_RASA; i++)); do
    curl -fsS "http://127.0.0.1:$((SSCN_CLUSTER_RASA_PORT + i))/" >/dev/null 2>&1 || return 1
  done
  for ((i = 0; i < N_ACTIONS; i++)); do
    curl -fsS "http://127.0.0.1:$((SSCN_CLUSTER_ACTIONS_PORT + i))/health" >/dev/null 2>&1 || return 1
  done
  curl -fsS "http://127.0.0.1:${SSCN_CONSOLE_PORT}/health" >/dev/null 2>&1 \
    && curl -fsS "http://127.0.0.1:${SSCN_CLUSTER_PORT}/" >/dev/null 2>&1
}
for _ in $(seq 1 240); do
  if up; then
    cat <<MSG

  SSCN Helpdesk cluster: ${N_RASA} Rasa instances, ${N_ACTIONS} action servers behind nginx
  Web chat:       http://localhost:${SSCN_CLUSTER_PORT}/webhooks/webchat/
  Telegram hook:  http://localhost:${SSCN_CLUSTER_PORT}/webhooks/telegram/webhook
  X (Twitter):    http://localhost:${SSCN_CLUSTER_PORT}/webhooks/twitter/webhook
  Agent console:  http://localhost:${SSCN_CONSOLE_PORT}/
  Tracker store:  PostgreSQL ${SSCN_TRACKER_HOST}:${SSCN_TRACKER_PORT}/${SSCN_TRACKER_DB}; lock store: Redis db ${SSCN_REDIS_DB}
  Logs:           ${SSCN_CLUSTER_DIR}/log/ (supervisord.log says what died and restarted)
  Processes:      .venv/bin/supervisorctl -c ${SSCN_CLUSTER_DIR}/supervisord.conf status
  Press Ctrl-C to stop.
MSG
    wait "$manager"
    exit $?
  fi
  kill -0 "$manager" 2>/dev/null || { echo "supervisord exited; see $SSCN_CLUSTER_DIR/log/"; exit 1; }
  sleep 1
done
echo "The cluster did not answer within 4 minutes"; exit 1
