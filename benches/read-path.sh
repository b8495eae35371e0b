#!/usr/bin/env bash
# The read path at the machine's speed, measured with wrk against the
# release build, with `pgbench -S` in the same run as the reference for what
# PostgreSQL alone can do here.
#
#   benches/read-path.sh            # SQLite and PostgreSQL (127.0.0.1:5432)
#
# Needs wrk and pgbench (apt-get install wrk postgresql-client). Settings:
# KADRY_BENCH_PUPILS (85000), KADRY_BENCH_SECONDS (10 per figure),
# KADRY_BENCH_PG (postgres://postgres@127.0.0.1:5432), KADRY_BENCH_BACKENDS
# ("SQLite PostgreSQL").
set -euo pipefail
cd "$(dirname "$0")/.."
PUPILS=${KADRY_BENCH_PUPILS:-85000}
SECONDS_EACH=${KADRY_BENCH_SECONDS:-10}
PG=${KADRY_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
SECRET=bench-secret-bench-secret-bench-secret
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
command -v pgbench > /dev/null || { echo "pgbench is not installed"; exit 1; }

cargo build --release --quiet
KADRY=$PWD/target/release/kadry
WORK=$(mktemp -d)
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2> /dev/null || true
  rm -rf "$WORK"
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS kadry_bench_read WITH (FORCE)" \
    -qc "DROP DATABASE IF EXISTS kadry_bench_pgbench WITH (FORCE)" > /dev/null 2>&1 || true
}
trap cleanup EXIT

# wrk's requests/s and p99 (ms) for URL, with the header given (or none).
wrk_figures() {
  local url=$1 header=${2:-}
  local out
  if [ -n "$header" ]; then
    out=$(wrk -t2 -c50 -d"${SECONDS_EACH}s" --latency -H "$header" "$url")
  else
    out=$(wrk -t2 -c50 -d"${SECONDS_EACH}s" --latency "$url")
  fi
  if echo "$out" | grep -q "Non-2xx"; then
    echo "wrk saw errors for $url:" >&2
    echo "$out" >&2
    exit 1
  fi
  local rate p99
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rate $(to_ms "$p99")"
}

to_ms() {
  case $1 in
    *us) awk -v v="${1%us}" 'BEGIN {printf "%.2f", v / 1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN {printf "%.2f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN {printf "%.2f", v * 1000}' ;;
  esac
}

echo "pgbench -S -c 8 -j 2 on a scale-1 database, ${SECONDS_EACH} s"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS kadry_bench_pgbench WITH (FORCE)" -qc "CREATE DATABASE kadry_bench_pgbench"
pgbench -q -i -s 1 "$PG/kadry_bench_pgbench" > /dev/null 2>&1
TPS=$(pgbench -n -S -c 8 -j 2 -T "$SECONDS_EACH" "$PG/kadry_bench_pgbench" 2> /dev/null | awk '/^tps/ {print $3}')
echo "pgbench -S: $TPS tps"

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS kadry_bench_read WITH (FORCE)" -qc "CREATE DATABASE kadry_bench_read"
printf '\n| backend | request | requests/s | p99 ms | ratio |\n| --- | --- | --- | --- | --- |\n'
SQLITE_CLUSTER=
for backend in ${KADRY_BENCH_BACKENDS:-SQLite PostgreSQL}; do
  if [ $backend = SQLite ]; then URL=sqlite://$WORK/read.db; else URL=$PG/kadry_bench_read; fi
  KADRY_DATABASE_URL=$URL KADRY_JWT_SECRET=$SECRET KADRY_LOG=warn "$KADRY" demo --no-serve --pupils "$PUPILS" > /dev/null 2>&1
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BASE=http://127.0.0.1:$PORT
  KADRY_DATABASE_URL=$URL KADRY_JWT_SECRET=$SECRET KADRY_LOG=warn KADRY_BIND=127.0.0.1:$PORT \
    KADRY_EMAIL_URL=log "$KADRY" serve 2> /dev/null &
  SERVER=$!
  for _ in $(seq 300); do curl -sf "$BASE/ready" > /dev/null && break; sleep 0.1; done
  TOKEN=$(curl -s "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"analyst@kadry.demo","password":"demo-analyst-pass"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  CLUSTER=$(curl -s "$BASE/api/v1/clusters?limit=1" -H "authorization: Bearer $TOKEN" | sed 's/.*"items":\[{"id":\([0-9]*\).*/\1/')
  read -r ROW ROW_P99 <<< "$(wrk_figures "$BASE/api/v1/clusters/$CLUSTER" "authorization: Bearer $TOKEN")"
  read -r ME ME_P99 <<< "$(wrk_figures "$BASE/api/v1/me" "authorization: Bearer $TOKEN")"
  read -r HEALTH HEALTH_P99 <<< "$(wrk_figures "$BASE/health")"
  if [ $backend = PostgreSQL ]; then
    RATIO=$(awk -v a="$ROW" -v b="$TPS" 'BEGIN {printf "%.0f %% of pgbench -S", 100 * a / b}')
  else
    SQLITE_ROW=$ROW
    RATIO=$(awk -v a="$ROW" -v b="$TPS" 'BEGIN {printf "%.2f x pgbench -S", a / b}')
  fi
  echo "| $backend | \`GET /api/v1/clusters/{id}\` | $ROW | $ROW_P99 | $RATIO |"
  echo "| $backend | \`GET /api/v1/me\` | $ME | $ME_P99 | $(awk -v a="$ME" -v b="$HEALTH" 'BEGIN {printf "%.2f x the cost of /health", b / a}') |"
  echo "| $backend | \`GET /health\` | $HEALTH | $HEALTH_P99 | |"
  kill "$SERVER"; wait "$SERVER" 2> /dev/null || true; SERVER=
  if [ $backend = PostgreSQL ]; then
    awk -v s="$SQLITE_ROW" -v p="$ROW" 'BEGIN {printf "\nSQLite / PostgreSQL single-row read: %.2f\n", s / p}'
  fi
done
