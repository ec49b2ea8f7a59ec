#!/usr/bin/env bash
# Private PostgreSQL and Redis for the embedded default, under .data/, on their own ports.
# Usage: scripts/services.sh start|stop|status|ensure   (ensure = start what is down, quietly)
source "$(dirname "$0")/lib.sh"
load_env

PG_DIR="$DATA/postgres"
PG_RUN="$DATA/run"
REDIS_DIR="$DATA/redis"
PG_PORT="$(url_port "${DATABASE_URL:-postgres://x@127.0.0.1:55432/laurel}")"
REDIS_PORT="$(url_port "${REDIS_URL:-redis://127.0.0.1:56379}")"
PG_PASSWORD="$(url_password "${DATABASE_URL:-}")"
REDIS_PASSWORD="$(url_password "${REDIS_URL:-}")"

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/pg_ctl" ] && { printf '%s' "$dir"; return; }
  done
  command -v pg_ctl >/dev/null && dirname "$(command -v pg_ctl)" && return
  die "PostgreSQL server binaries not found: run 'npm run setup' or install postgresql"
}

# PostgreSQL refuses to run as root: when we are root, the cluster belongs to the 'postgres' user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

redis_cli() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

pg_running() { [ -f "$PG_DIR/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; }
redis_running() { redis_cli ping 2>/dev/null | grep -q PONG; }

pg_init() {
  [ -f "$PG_DIR/PG_VERSION" ] && return 0
  [ -n "$PG_PASSWORD" ] || die "DATABASE_URL in .env has no password; run 'npm run setup' first"
  say "initialising PostgreSQL cluster in $PG_DIR"
  mkdir -p "$PG_DIR" "$PG_RUN"
  if [ "$(id -u)" = 0 ]; then
    # The postgres user must be able to traverse to .data: grant search (x) on each ancestor.
    local d="$DATA"
    while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
    chown postgres:postgres "$PG_DIR" "$PG_RUN"
  fi
  local pwfile; pwfile="$(mktemp)"; printf '%s\n' "$PG_PASSWORD" > "$pwfile"; chmod 644 "$pwfile"
  as_pg "$(pg_bin)/initdb" -D "$PG_DIR" -U laurel --pwfile="$pwfile" --auth-host=scram-sha-256 \
    --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$DATA/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
}

pg_start() {
  pg_init
  pg_running && return 0
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -l "$PG_RUN/postgres.log" -w -t 60 start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_RUN -c max_connections=300 -c fsync=on" >/dev/null \
    || { tail -20 "$PG_RUN/postgres.log" >&2; die "PostgreSQL did not start"; }
  # Create the application database once.
  if ! PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U laurel -d postgres -tAc \
      "select 1 from pg_database where datname='laurel'" | grep -q 1; then
    PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U laurel -d postgres -qc 'create database laurel' >/dev/null
  fi
}

redis_start() {
  redis_running && return 0
  command -v redis-server >/dev/null || die "redis-server not found: run 'npm run setup' or install redis-server"
  mkdir -p "$REDIS_DIR"
  say "starting Redis on 127.0.0.1:$REDIS_PORT (AOF on)"
  local conf="$REDIS_DIR/redis.conf"
  # Written with the current password each start; the file is private to this checkout.
  cat > "$conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
dir $REDIS_DIR
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $DATA/redis.log
appendonly yes
appendfsync everysec
save ""
maxmemory-policy noeviction
requirepass $REDIS_PASSWORD
CONF
  chmod 600 "$conf"
  redis-server "$conf"
  for _ in $(seq 1 50); do redis_running && return 0; sleep 0.1; done
  tail -20 "$DATA/redis.log" >&2; die "Redis did not start"
}

pg_stop() { pg_running && { say "stopping PostgreSQL"; as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null; } || true; }
redis_stop() {
  redis_running || return 0
  say "stopping Redis"
  redis_cli shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do redis_running || return 0; sleep 0.1; done
}

status() {
  local rc=0
  if pg_running; then echo "postgres: running on 127.0.0.1:$PG_PORT ($PG_DIR)"; else echo "postgres: stopped"; rc=3; fi
  if redis_running; then echo "redis: running on 127.0.0.1:$REDIS_PORT ($REDIS_DIR)"; else echo "redis: stopped"; rc=3; fi
  return $rc
}

case "${1:-status}" in
  start|ensure) pg_start; redis_start; [ "$1" = start ] && status || true ;;
  stop) redis_stop; pg_stop; status || true ;;
  status) status ;;
  restart) redis_stop; pg_stop; pg_start; redis_start; status ;;
  *) die "usage: $0 start|stop|status|restart" ;;
esac
