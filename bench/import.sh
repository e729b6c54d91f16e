#!/usr/bin/env bash
# `icpcheck import` of a generated inventory, batched (--batch 500, the default) beside one
# line a transaction (--batch 1), on SQLite and, when ICPCHECK_TEST_POSTGRES holds a DSN, on
# PostgreSQL, all in one run: a first import into an empty store (every line created), then
# the same file again (every line unchanged). With BASE=<git revision>, that revision's own
# import is timed beside them (before batching it was one line a transaction).
# Prints lines/s (median of RUNS) and peak memory.
# Usage: [BASE=rev] bench/import.sh [COUNT] [RUNS]   (default 100000 instances, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-3}
out=bench/out
mkdir -p "$out"
input="$out/inventory-$count.jsonl"
go build -o "$out/icpcheck" ./cmd/icpcheck
if [ ! -s "$input" ]; then
  "$out/icpcheck" demo generate --count "$count" --seed 1 --at 2026-11-26T12:00:00+08:00 > "$input"
fi
modes="batch=500 batch=1"
if [ -n "${BASE:-}" ]; then
  rm -rf "$out/base" && mkdir -p "$out/base"
  git archive "$BASE" | tar -x -C "$out/base"
  (cd "$out/base" && go build -o ../icpcheck-base ./cmd/icpcheck)
  modes="$modes base"
fi
stores=sqlite
pg=${ICPCHECK_TEST_POSTGRES:-}
export PGOPTIONS='-c client_min_messages=warning'
[ -n "$pg" ] && stores="sqlite postgres"
echo "input: $input ($(wc -l < "$input") lines); stores: $stores; modes: $modes" >&2

# import STORE MODE PHASE DB: one import, as a JSON line of its timing.
import() {
  local bin=$out/icpcheck flags=()
  case $2 in
    base) bin=$out/icpcheck-base ;;
    *) flags=(--batch "${2#batch=}") ;;
  esac
  /usr/bin/time -f "{\"store\":\"$1\",\"mode\":\"$2\",\"phase\":\"$3\",\"wall_s\":%e,\"peak_rss_kib\":%M,\"exit\":%x}" \
    "$bin" import --db "$4" --format json "${flags[@]}" "$input" 2>&1 >/dev/null | tail -1
}

for run in $(seq "$runs"); do
  for store in $stores; do
    for mode in $modes; do
      if [ "$store" = sqlite ]; then
        db=$out/import-bench.db
        rm -f "$db" "$db-wal" "$db-shm"
      else
        schema=icpcheck_bench_import
        # Other work may restart PostgreSQL now and then: wait for it.
        for try in $(seq 30); do
          psql "$pg" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null 2>&1 && break
          sleep 2
        done
        case $pg in *\?*) db="$pg&search_path=$schema" ;; *) db="$pg?search_path=$schema" ;; esac
      fi
      import "$store" "$mode" first "$db"
      import "$store" "$mode" again "$db"
      [ "$store" = sqlite ] && rm -f "$db" "$db-wal" "$db-shm"
      [ "$store" = postgres ] && { psql "$pg" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true; }
      echo "run $run: $store $mode done" >&2
    done
  done
done | python3 -c '
import json, sys, statistics
count = int(sys.argv[1])
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
for r in rows:
    if r["exit"] not in (0, 1):  # 1: some line refused, which a generated inventory may hold
        print("dropped, exit %d: %s" % (r["exit"], r), file=sys.stderr)
rows = [r for r in rows if r["exit"] in (0, 1)]
by = {}
for r in rows:
    by.setdefault((r["store"], r["mode"], r["phase"]), []).append(r)
print("%-9s %-10s %-6s %5s %14s %20s %9s" % ("store", "mode", "phase", "runs", "lines/s median", "range", "peak MiB"))
for (store, mode, phase), rs in by.items():
    rates = sorted(count / r["wall_s"] for r in rs)
    print("%-9s %-10s %-6s %5d %14.0f %20s %9.0f" % (store, mode, phase, len(rs), statistics.median(rates),
        "%.0f-%.0f" % (rates[0], rates[-1]), max(r["peak_rss_kib"] for r in rs) / 1024))
' "$count"
