#!/usr/bin/env bash
# Runs every fuzz target for DURATION each (default 10m), one after the other, on one worker
# each so that the machine stays usable. CI runs only the seed corpora (plain go test).
# Usage: bench/fuzz.sh [DURATION] [TARGET...]   e.g. bench/fuzz.sh 30s FuzzREST
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10m}
shift || true
only=" $* "
targets=(
  "FuzzDecodeInstance ."          # instance JSON
  "FuzzReader ./instancefile"      # JSON Lines and CSV files
  "FuzzParse ./policy"             # policy documents
  "FuzzCondition ./policy"         # CEL conditions, compiled and run
  "FuzzVerify ./signature"         # both request-signature parsers (V1 and V3)
  "FuzzHandler ./bsnapi"           # the Filing Service API's request decoding
  "FuzzREST ./http"                # the REST API's request decoding
)
for t in "${targets[@]}"; do
  set -- $t
  name=$1 pkg=$2
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then continue; fi
  echo "== $name ($pkg) for $duration"
  # A short minimization keeps large seeds (policy documents) from eating the run.
  go test -run XXX -fuzz "^$name\$" -fuzztime "$duration" -fuzzminimizetime 10s -parallel 1 "$pkg" 2>&1 | tail -3
done
