#!/usr/bin/env bash
# Runs every test: starts the servers of the "test" profile (their own ports and state, beside a running dev system),
# builds, runs all test projects, stops the servers it started, and ends with one line "N passed, N failed".
# The fault suite (Category=Faults: servers stopped and processes killed mid-stream) runs after the other tests, alone;
# FAULT_EVENTS (default 2000) sets its stream length, SKIP_FAULTS=1 leaves it out.
# KEEP_SERVERS=1 leaves the servers running for the next run.  Extra arguments go to dotnet test.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=test
state=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/test}")
results=$state/test-results
rm -rf "$results"

"$here/servers.sh" start || { echo "0 passed, 1 failed"; exit 1; }

dotnet build "$root/ScalableWebhook.sln" -c Release --nologo -clp:ErrorsOnly
build=$?
status=$build
run_tests() {
  dotnet test "$root/ScalableWebhook.sln" -c Release --no-build --nologo \
    --results-directory "$results" --logger "trx" --logger "console;verbosity=normal" "$@"
}
if [ $build -eq 0 ]; then
  # The fault suite stops and kills the servers, so it runs alone, after everything else.
  run_tests --filter "Category!=Faults" "$@"
  status=$?
  if [ "${SKIP_FAULTS:-0}" != 1 ]; then
    export WEBHOOK_FAULT_REPORT=$state/fault-suite.md
    rm -f "$WEBHOOK_FAULT_REPORT"
    run_tests --filter "Category=Faults" "$@"
    faults=$?
    [ $status -ne 0 ] || status=$faults
    [ -f "$WEBHOOK_FAULT_REPORT" ] && cat "$WEBHOOK_FAULT_REPORT"
  fi
fi

[ "${KEEP_SERVERS:-0}" = 1 ] || "$here/servers.sh" stop >/dev/null

passed=0 failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
[ $build -eq 0 ] || failed=$((failed + 1))
echo "$passed passed, $failed failed"
exit $status
