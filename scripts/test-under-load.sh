#!/usr/bin/env bash
# Runs `npm test` N times (default 5) while two CPU-burning processes compete for the cores,
# to show the suites assert order and outcome, not timing. Usage: scripts/test-under-load.sh [N]
# Logs of failed runs are kept in $TMPDIR (their paths are printed).
set -u

runs="${1:-5}"
# Two burners: this machine has 2 cores, so every test competes for CPU with them.
BURNERS=2

cd "$(dirname "$0")/.."

burner_pids=()
stop_burners() {
  for pid in "${burner_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${burner_pids[@]}"; do wait "$pid" 2>/dev/null; done
  burner_pids=()
}
trap stop_burners EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$BURNERS"); do
  node -e 'for (;;) {}' &
  burner_pids+=("$!")
done
echo "test-under-load: burners ${burner_pids[*]}; $runs runs of npm test"

passed=0
failed=0
for i in $(seq "$runs"); do
  log="$(mktemp "${TMPDIR:-/tmp}/test-under-load.$i.XXXXXX")"
  # --force: turbo's cache would replay a passed run instead of running the tests again.
  if npm test -- --force >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "run $i: passed"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED (log: $log)"
    grep -E 'FAIL|✗|×|Error' "$log" | head -20
  fi
done

stop_burners
echo "test-under-load: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
