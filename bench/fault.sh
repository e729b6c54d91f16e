#!/usr/bin/env bash
# Fault injection on a running icpcheck server under load (bench/fault), RUNS times each:
#   sqlite-kill     SIGKILL and restart `icpcheck serve` over SQLite, 25 times a run
#   postgres-kill   the same over PostgreSQL
#   postgres-stop   stop the local PostgreSQL cluster mid-load for 3 s, 3 times a run
#   postgres-crash  the same with pg_ctlcluster stop --mode immediate: PostgreSQL crashes
#                   (no shutdown checkpoint, connections cut) and recovers at its start
# Usage: bench/fault.sh [RUNS] [SCENARIO...]   (default 3 runs of all four)
# Extra flags for every run go in $FAULT_FLAGS (e.g. FAULT_FLAGS="-clients 32 -kills 40").
# PostgreSQL is the server of $ICPCHECK_TEST_POSTGRES, or the local one; each run creates a
# database of its own and drops it. postgres-stop stops the local cluster with pg_ctlcluster
# (root) and postgres-crash crashes it; both always start it again, even when the run fails
# or is interrupted.
# Each run's report is bench/out/fault/<scenario>-<n>.json (and .txt); a table sums them up.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
scenarios=${*:-sqlite-kill postgres-kill postgres-stop postgres-crash}
out=bench/out/fault
mkdir -p "$out"
# $ICPCHECK_BIN names an icpcheck binary to test instead of one built from this tree.
bin=${ICPCHECK_BIN:-$out/icpcheck}
[ -n "${ICPCHECK_BIN:-}" ] || go build -o "$bin" ./cmd/icpcheck
go build -o "$out/fault" ./bench/fault

# ensure_postgres starts the local cluster if it is down, whatever stopped it.
ensure_postgres() {
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | tail -1) || return 0
  [ -n "$ver" ] || return 0
  if ! pg_lsclusters --no-header 2>/dev/null | grep -q "^$ver *main .*online"; then
    echo "starting PostgreSQL $ver main again" >&2
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  fi
}
case " $scenarios " in *" postgres-stop "* | *" postgres-crash "*) trap ensure_postgres EXIT INT TERM ;; esac

for s in $scenarios; do rm -f "$out/$s"-*.json "$out/$s"-*.txt; done
status=0
for i in $(seq "$runs"); do
  for s in $scenarios; do
    case $s in
      sqlite-kill) args=(-store sqlite -scenario kill) ;;
      postgres-kill) args=(-store postgres -scenario kill) ;;
      postgres-stop) args=(-store postgres -scenario pg-stop) ;;
      postgres-crash) args=(-store postgres -scenario pg-stop -pg-mode immediate) ;;
      *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
    echo "== $s run $i" >&2
    # shellcheck disable=SC2086
    if ! "$out/fault" -bin "$bin" "${args[@]}" ${FAULT_FLAGS:-} -json > "$out/$s-$i.json"; then
      status=1
    fi
    python3 - "$out/$s-$i.json" <<'EOF' | tee "$out/$s-$i.txt" >&2
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    print("no report: the run failed before its load (see above)")
    sys.exit(0)
v = sum(r.get("violation_counts", {}).values())
print(f'{r["store"]} {r["scenario"]}: {r["requests"]} requests, {r["acked_numbers"]} numbers acknowledged, '
      f'{r["acked_numbers_found"]} found, {r["numbers_found"]} in store, {v} violations')
for m in r.get("violations") or []:
    print("  " + m)
EOF
  done
done

python3 - "$out" $scenarios <<'EOF'
import glob, json, os, sys
out, scenarios = sys.argv[1], sys.argv[2:]
print("| scenario | run | faults | requests | acked issues | acked numbers | found (acked) | in store | refusals | errors (no decision) | slowest ms | violations |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in scenarios:
    files = sorted(glob.glob(f"{out}/{s}-*.json"), key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))
    for f in files:
        try:
            r = json.load(open(f))
        except ValueError:
            continue
        faults = r["kills"] if r["scenario"] == "kill" else len(r.get("pg_stops") or [])
        print(f'| {s} | {f.rsplit("-", 1)[1].split(".")[0]} | {faults} | {r["requests"]} | {r["acked_issues"]} | {r["acked_numbers"]} '
              f'| {r["acked_numbers_found"]} | {r["numbers_found"]} | {sum(r["refusals"].values())} | {sum(r["errors"].values())} '
              f'| {r["max_latency_ms"]:.0f} | {sum(r.get("violation_counts", {}).values())} |')
EOF
exit $status
