#!/usr/bin/env bash
# Runs every test: starts the servers of the "test" profile (their own ports and state, beside a running dev system),
# builds, runs all test projects, stops the servers it started, and ends with one line "N passed, N failed".
# KEEP_SERVERS=1 leaves the servers running for the next run.  Extra arguments go to dotnet test (e.g. --filter).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=test
results=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/test}")/test-results
rm -rf "$results"

"$here/servers.sh" start || { echo "0 passed, 1 failed"; exit 1; }

dotnet build "$root/ScalableWebhook.sln" -c Release --nologo -clp:ErrorsOnly
build=$?
status=$build
if [ $build -eq 0 ]; then
  dotnet test "$root/ScalableWebhook.sln" -c Release --no-build --nologo \
    --results-directory "$results" --logger "trx" --logger "console;verbosity=normal" "$@"
  status=$?
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
