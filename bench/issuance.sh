#!/usr/bin/env bash
# Issuance throughput against concurrency on both stores, beside each store's raw single-row
# insert ceiling measured in the same run; medians of RUNS runs into docs/bench/issuance.csv,
# then the plot docs/bench/issuance.png (bench/plot).
# Usage: bench/issuance.sh [RUNS] [CLIENTS]   (default 3 runs at 1,2,4,8,16,32,64 clients)
# PostgreSQL: ICPCHECK_TEST_POSTGRES (default the local server's test database).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
export ICPCHECK_BENCH_CLIENTS=${2:-1,2,4,8,16,32,64}
export ICPCHECK_TEST_POSTGRES=${ICPCHECK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
mkdir -p bench/out
raw=bench/out/issuance-raw.txt
: > "$raw"
for store in sqlite postgres; do
  go test -run '^$' -bench Issue -benchtime 1500x -count "$runs" -timeout 1h "./$store/" | sed "s/^/$store /" | tee -a "$raw"
done
python3 - "$raw" > docs/bench/issuance.csv <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\w+) BenchmarkIssue/clients=(\d+)/(raw|issue)\S*\s.*?([\d.]+) (?:inserts|issues)/s', line)
    if m:
        rows.setdefault((m[1], int(m[2])), {}).setdefault(m[3], []).append(float(m[4]))
print("store,clients,issues_per_s,raw_per_s")
for (store, clients), v in sorted(rows.items()):
    print("%s,%d,%.0f,%.0f" % (store, clients, statistics.median(v["issue"]), statistics.median(v["raw"])))
PY
cat docs/bench/issuance.csv
(cd bench/plot && go run . -in ../../docs/bench/issuance.csv -out ../../docs/bench/issuance.png)
echo "wrote docs/bench/issuance.csv and docs/bench/issuance.png"
