#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis are up, then give the tests a fresh database.
#
#  - starts PostgreSQL / Redis with the machine's own start commands if they are not answering
#  - waits for them (pg_isready, redis-cli ping)
#  - drops and recreates the database parley_test (as postgres on 127.0.0.1) and runs CREATE EXTENSION vector
#    (run scripts/install-pgvector.sh first)
#  - empties Redis logical database 15, which is reserved for tests
#  - prints the env lines on stdout (everything else goes to stderr), so callers can do:
#      while IFS= read -r l; do export "$l"; done < <(scripts/prepare-test-services.sh)
set -euo pipefail

PGHOST=127.0.0.1
PGPORT=5432
PGUSER=postgres
DB_NAME=parley_test
REDIS_PORT=6379
REDIS_DB=15
export PGHOST PGPORT PGUSER

log() { printf '[prepare-test-services] %s\n' "$*" >&2; }

wait_for() { # wait_for <description> <seconds> <command...>
  local what=$1 timeout=$2 i
  shift 2
  for ((i = 0; i < timeout * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "timed out after ${timeout}s waiting for $what"
  return 1
}

# --- PostgreSQL -------------------------------------------------------------------------------
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  log "PostgreSQL is not answering on $PGHOST:$PGPORT; starting it"
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || log "pg_ctlcluster $version main start failed"
  done
fi
wait_for "PostgreSQL on $PGHOST:$PGPORT" 60 pg_isready -q -h "$PGHOST" -p "$PGPORT"
log "PostgreSQL is ready: $(psql -XAtq -d postgres -c 'SHOW server_version')"

# --- Redis ------------------------------------------------------------------------------------
if [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) != PONG ]]; then
  log "Redis is not answering on 127.0.0.1:$REDIS_PORT; starting it"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
fi
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
wait_for "Redis on 127.0.0.1:$REDIS_PORT" 30 redis_ping
log "Redis is ready"

# --- fresh test database ----------------------------------------------------------------------
log "recreating database $DB_NAME"
dropdb --if-exists --force "$DB_NAME"
createdb "$DB_NAME"
psql -XAtq -v ON_ERROR_STOP=1 -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS vector' >&2
log "database $DB_NAME has pgvector $(psql -XAtq -d "$DB_NAME" -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")"

redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null
log "Redis database $REDIS_DB emptied"

echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME"
echo "TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
