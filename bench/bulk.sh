#!/usr/bin/env bash
# Bulk check of a generated inventory end to end, icpcheck's engine beside the hand-written
# Table 1 baseline and the decoding floor, each in its own process, RUNS times; prints the
# median of each. Usage: bench/bulk.sh [COUNT] [RUNS]   (default 1000000 instances, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
runs=${2:-3}
out=bench/out
mkdir -p "$out"
input="$out/inventory-$count.jsonl"
go build -o "$out/icpcheck" ./cmd/icpcheck
go build -o "$out/bulk" ./bench/bulk
if [ ! -s "$input" ]; then
  "$out/icpcheck" demo generate --count "$count" --seed 1 --at 2026-11-26T12:00:00+08:00 > "$input"
fi
echo "input: $input ($(wc -l < "$input") lines, $(du -h "$input" | cut -f1))"
for i in $(seq "$runs"); do
  for eval in engine table1 decode; do
    "$out/bulk" -eval "$eval" -in "$input"
  done
  # The command a user runs, for its wall time and peak memory.
  /usr/bin/time -f '{"eval":"cli","wall_s":%e,"cpu_s":%U,"peak_rss_mib":%M}' \
    "$out/icpcheck" check --at 2026-11-26T12:00:00+08:00 "$input" 2>&1 >/dev/null | tail -1
done | python3 -c '
import json, sys, statistics
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
by = {}
for r in rows:
    if r["eval"] == "cli":
        r["peak_rss_mib"] = r["peak_rss_mib"] / 1024
    by.setdefault(r["eval"], []).append(r)
med = lambda k, e: statistics.median(r[k] for r in by[e])
print("%-8s %10s %10s %12s" % ("eval", "wall_s", "cpu_s", "peak_rss_MiB"))
for e in ("engine", "table1", "decode", "cli"):
    if e in by:
        print("%-8s %10.2f %10.2f %12.1f" % (e, med("wall_s", e), med("cpu_s", e), med("peak_rss_mib", e)))
print("engine/table1 cpu: %.2f   engine/decode cpu: %.2f" % (med("cpu_s","engine")/med("cpu_s","table1"), med("cpu_s","engine")/med("cpu_s","decode")))
'
