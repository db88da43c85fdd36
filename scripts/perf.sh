#!/usr/bin/env bash
# Reproduces every table of docs/performance.md on this machine:
#
#   scripts/perf.sh                      # all of it (about 35 minutes, the seed of
#                                        # 10M authorisations included: about 8 minutes)
#   GROWTH=DIR scripts/perf.sh           # the same on a database crmapid seed filled before
#   DUR=10s SCALE=0.01 scripts/perf.sh   # a quick version (about 15 minutes)
#
# It ends with the targets of docs/performance.md checked against the
# figures of this run ($OUT/targets.txt).
# Results (JSON, CPU profiles, plans, pgbench output) go to $OUT. PostgreSQL
# runs use scratch databases on $PG that are dropped afterwards, whatever
# happens; nothing is left on the server.
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=${DUR:-20s}
SCALE=${SCALE:-1}
GROWTH=${GROWTH:-}
# Enough unacknowledged charges that no collector runs out within $DUR on
# SQLite (15,000-20,000 a second are acknowledged there).
CHARGES=${CHARGES:-1000000}
OUT=${OUT:-perf-results}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=crmapi_perf_$$

mkdir -p "$OUT"
BIN="$OUT/crmapid"
go build -o "$BIN" ./cmd/crmapid

drop() { psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "DROP DATABASE IF EXISTS ${DB}_pgbench" >/dev/null 2>&1 || true; }
fresh() { drop; psql "$PG/postgres" -qc "CREATE DATABASE $1" >/dev/null; }
trap drop EXIT

echo "== SQLite, empty database, every workload"
"$BIN" bench --duration "$DUR" --charges "$CHARGES" --json "$OUT/sqlite.json" --profile-dir "$OUT/profiles-sqlite" | tee "$OUT/sqlite.txt"

if psql "$PG/postgres" -qc 'SELECT 1' >/dev/null 2>&1; then
  echo "== pgbench -N -c 16 -T 20 on the same server"
  fresh "${DB}_pgbench"
  pgbench -h 127.0.0.1 -U postgres -i -s 10 -q "${DB}_pgbench" >/dev/null 2>&1
  pgbench -h 127.0.0.1 -U postgres -N -c 16 -j 2 -T 20 "${DB}_pgbench" | tee "$OUT/pgbench.txt"

  echo "== PostgreSQL, one process"
  fresh "$DB"
  "$BIN" bench --database "$PG/$DB?sslmode=disable" --duration "$DUR" --json "$OUT/postgres.json" \
    --profile-dir "$OUT/profiles-postgres" | tee "$OUT/postgres.txt"

  echo "== PostgreSQL, three processes on one database"
  fresh "$DB"
  "$BIN" bench --database "$PG/$DB?sslmode=disable" --processes 3 --duration "$DUR" \
    --json "$OUT/postgres-3.json" | tee "$OUT/postgres-3.txt"
  drop
else
  echo "(no PostgreSQL at $PG: skipping its runs)"
fi

if [ -z "$GROWTH" ]; then
  echo "== Growth: seed --scale $SCALE, then create and show on it"
  GROWTH="$OUT/growth"
  rm -rf "$GROWTH"
  "$BIN" seed --data-dir "$GROWTH" --scale "$SCALE" | tee "$OUT/seed.txt"
else
  echo "== Growth: create and show on $GROWTH"
fi
du -sh "$GROWTH" | tee "$OUT/growth-size.txt"
"$BIN" bench --data-dir "$GROWTH" --duration "$DUR" --workloads ceiling,usage-create,usage-show,netflix-show \
  --json "$OUT/growth.json" | tee "$OUT/growth.txt"
"$BIN" explain --data-dir "$GROWTH" > "$OUT/explain-sqlite.txt"
tail -1 "$OUT/explain-sqlite.txt"

echo "== Micro-benchmarks"
go test -run XXX -bench . -benchmem ./httpapi | tee "$OUT/micro.txt"
echo "== Each show's store reads, the transaction's statements against the one statement"
go test -run XXX -bench 'Shows' -benchmem ./sqlite | tee "$OUT/shows.txt"
if psql "$PG/postgres" -qc 'SELECT 1' >/dev/null 2>&1; then
  CRMAPI_TEST_POSTGRES_URL="$PG/postgres?sslmode=disable" go test -run XXX -bench 'Shows' -benchmem ./postgres | tee -a "$OUT/shows.txt"
fi
go test -run XXX -bench 'Show' -benchmem ./service | tee -a "$OUT/shows.txt"
if psql "$PG/postgres" -qc 'SELECT 1' >/dev/null 2>&1; then
  echo "== PostgreSQL group commit: one write lane against a transaction per Update, one hot row"
  CRMAPI_TEST_POSTGRES_URL="$PG/postgres?sslmode=disable" go test -run XXX -bench 'UpdateParallel' ./postgres | tee "$OUT/group-commit.txt"
fi

echo "== Targets"
scripts/perf-targets.sh "$OUT" | tee "$OUT/targets.txt"
