#!/usr/bin/env bash
# Regenerates test/fixtures/jfr/: records scripts/jfr/Workload.java under JFR with scripts/jfr/fixture.jfc
# (ExecutionSample every 10 ms, TLAB and sampled allocation, monitor and park contention) and writes the
# expected values from the JDK's own reader (`jfr print --json`), so the decoder is checked against it.
# Needs java, javac and jfr (JDK 17+) and node (tsx). Usage: scripts/make-jfr-fixtures.sh [millis]
set -euo pipefail
cd "$(dirname "$0")/.."
millis="${1:-2000}"
out=test/fixtures/jfr
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

javac -d "$work" scripts/jfr/Workload.java
java -Xmx256m -Xlog:jfr+startup=warning \
  "-XX:StartFlightRecording=settings=scripts/jfr/fixture.jfc,filename=$work/workload.jfr" \
  -cp "$work" Workload "$millis" >/dev/null

mkdir -p "$out"
cp "$work/workload.jfr" "$out/workload.jfr"
jfr print --json --stack-depth 2048 \
  --events jdk.ExecutionSample,jdk.ObjectAllocationInNewTLAB,jdk.ObjectAllocationOutsideTLAB,jdk.ObjectAllocationSample,jdk.JavaMonitorEnter,jdk.ThreadPark \
  "$out/workload.jfr" >"$work/print.json"
npx tsx scripts/jfr/jfr-print-summary.ts "$work/print.json" "$out/workload.expected.json" \
  "jfr print --json --stack-depth 2048 ($(java -version 2>&1 | head -1))"

size=$(wc -c <"$out/workload.jfr")
if [ "$size" -gt 300000 ]; then echo "fixture too large: $size bytes" >&2; exit 1; fi
echo "wrote $out/workload.jfr ($size bytes) and $out/workload.expected.json"
