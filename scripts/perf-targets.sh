#!/usr/bin/env bash
# Checks the targets of docs/performance.md against the JSON and pgbench
# output of one scripts/perf.sh run: scripts/perf-targets.sh perf-results
# Prints one line per target: the figure, the target and met/MISSED.
set -euo pipefail
OUT=${1:-perf-results}

# fig FILE WORKLOAD FIELD: one figure of one workload of a bench report.
fig() {
  [ -f "$OUT/$1" ] || { echo "null"; return; }
  jq -r --arg w "$2" --arg f "$3" '.results[] | select(.workload == $w) | .[$f]' "$OUT/$1"
}
# row WHAT FIGURE OP TARGET: prints the row, judged with awk (no floats in bash).
row() {
  local verdict
  if [ "$2" = "null" ] || [ -z "$2" ]; then
    verdict="not measured"
  else
    verdict=$(awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "MISSED" }')
  fi
  printf '%-62s %10s   %s %-8s %s\n' "$1" "$(awk -v v="$2" 'BEGIN { if (v == "null" || v == "") print "-"; else printf "%.2f", v }')" "$3" "$4" "$verdict"
}

printf '%-62s %10s   %s\n' "target" "measured" "wanted"
row "SQLite usage-create, × ceiling" "$(fig sqlite.json usage-create throughput_ratio_to_ceiling)" ">=" 0.40
row "SQLite usage-create, p99 × ceiling's p99" "$(fig sqlite.json usage-create p99_ratio_to_ceiling)" "<=" 2
row "SQLite usage-create-hot (one account), × ceiling" "$(fig sqlite.json usage-create-hot throughput_ratio_to_ceiling)" ">=" 0.40
row "SQLite usage-show, × ceiling" "$(fig sqlite.json usage-show throughput_ratio_to_ceiling)" ">=" 0.60
row "SQLite netflix-show, × ceiling" "$(fig sqlite.json netflix-show throughput_ratio_to_ceiling)" ">=" 0.60
row "SQLite charges list + acknowledge, pages of 50 per second" "$(fig sqlite.json charges-list-ack per_second)" ">=" 2000
row "PostgreSQL usage-show, × ceiling" "$(fig postgres.json usage-show throughput_ratio_to_ceiling)" ">=" 0.60
row "PostgreSQL netflix-show, × ceiling" "$(fig postgres.json netflix-show throughput_ratio_to_ceiling)" ">=" 0.60
row "PostgreSQL charges list + acknowledge, pages per second" "$(fig postgres.json charges-list-ack per_second)" ">=" 2000
pgbench=$(awk '/^tps = /{print $3}' "$OUT/pgbench.txt" 2>/dev/null || true)
pgcreate=$(fig postgres.json usage-create per_second)
if [ -n "$pgbench" ] && [ "$pgcreate" != "null" ]; then
  row "PostgreSQL usage-create, × pgbench -N ($pgbench tps)" "$(awk -v a="$pgcreate" -v b="$pgbench" 'BEGIN { print a / b }')" ">=" 0.80
else
  row "PostgreSQL usage-create, × pgbench -N" "null" ">=" 0.80
fi
rss=$(cat "$OUT"/sqlite.json "$OUT"/postgres.json 2>/dev/null | jq -s '[.[].results[].max_rss_mib] | max')
row "server peak RSS at 64 connections, MiB (both engines)" "$rss" "<=" 200
growthrss=$(jq '[.results[].max_rss_mib] | max' "$OUT/growth.json" 2>/dev/null || echo null)
row "server peak RSS on the seeded database, MiB" "$growthrss" "<=" 200
for w in usage-create usage-show netflix-show; do
  # Against the same run's ceiling on both sides, so that a busier minute
  # of the machine does not pass for growth.
  seeded=$(fig growth.json "$w" throughput_ratio_to_ceiling)
  empty=$(fig sqlite.json "$w" throughput_ratio_to_ceiling)
  g=null
  if [ "$seeded" != "null" ] && [ "$empty" != "null" ]; then g=$(awk -v a="$seeded" -v b="$empty" 'BEGIN { print a / b }'); fi
  row "growth: $w on the seeded database / on an empty one" "$g" ">=" 0.80
done
one=$(fig postgres.json usage-create per_second)
three=$(fig postgres-3.json usage-create per_second)
if [ "$one" != "null" ] && [ "$three" != "null" ]; then
  printf '%-62s %10s   (reported, no target)\n' "scale-out: usage-create, 3 processes / 1 process" "$(awk -v a="$three" -v b="$one" 'BEGIN { printf "%.2f", a / b }')"
fi
