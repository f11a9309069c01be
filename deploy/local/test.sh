#!/usr/bin/env bash
# Runs every test, tier by tier, and ends with one line "N passed, N failed":
#
#   fast     Webhook.Tests                unit and harness tests: no server, no process
#   servers  Webhook.Tests.Servers        the Processor's stores against real PostgreSQL and DynamoDB Local
#   system   Webhook.Tests.System         both hosts as processes on the real servers, and servers.sh
#   console  Webhook.Tests.Console        the console as a process beside them: its JSON API, the dead-letter tools and
#                                         deploy/dlq.sh, and its pages in Debian's Chromium (installed here if missing)
#   faults   Webhook.Tests.Faults         servers stopped and processes killed under a stream of events
#   bench    bench/Webhook.Bench.Tests    the benchmark tool's short form, on its own servers (profile "bench")
#
# It starts the servers of the "test" profile (their own ports and state, beside a running dev system) while it
# builds, runs the tiers in that order, and stops the servers it started. TIERS="fast servers" runs only those;
# SKIP_FAULTS=1 leaves the fault suite out; FAULT_EVENTS (default 2000) sets its stream length; KEEP_SERVERS=1 leaves
# the servers running for the next run. Extra arguments go to every dotnet test (e.g. --filter "FullyQualifiedName~Pipeline").
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=test
state=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/test}")
results=$state/test-results
rm -rf "$results"
mkdir -p "$results"

declare -A projects=(
  [fast]=Webhook.Tests
  [servers]=Webhook.Tests.Servers
  [system]=Webhook.Tests.System
  [console]=Webhook.Tests.Console
  [faults]=Webhook.Tests.Faults
  [bench]=bench/Webhook.Bench.Tests
)
tiers=${TIERS:-fast servers system console faults bench}
[ "${SKIP_FAULTS:-0}" = 1 ] && tiers=${tiers//faults/}
for tier in $tiers; do
  [ -n "${projects[$tier]:-}" ] || { echo "test.sh: unknown tier '$tier' (fast, servers, system, console, faults, bench)"; echo "0 passed, 1 failed"; exit 2; }
done

# The servers start while the solution builds; only the tiers after the fast one need them.
needs_servers=0
for tier in $tiers; do case $tier in servers|system|console|faults) needs_servers=1 ;; esac; done
servers_pid=
if [ $needs_servers = 1 ]; then
  echo "Starting the test servers (log: $results/servers.log)…"
  "$here/servers.sh" start >"$results/servers.log" 2>&1 &
  servers_pid=$!
fi

# The console's browser tests drive Debian's Chromium, installed like the servers (never a browser Playwright downloads).
# Playwright 1.64 expects Chromium 156: the version is in the tests' output.
chromium=${CHROMIUM_PATH:-/usr/lib/chromium/chromium}
browser_pid=
install_chromium() {
  [ -x "$chromium" ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show chromium >/dev/null 2>&1; then apt-get update >>"$results/chromium.log" 2>&1 || return 1; fi
  apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core >>"$results/chromium.log" 2>&1 \
    || { apt-get update >>"$results/chromium.log" 2>&1 && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core >>"$results/chromium.log" 2>&1; }
}
if [[ " $tiers " == *" console "* ]] && [ ! -x "$chromium" ]; then
  echo "Installing Chromium for the console's browser tests (log: $results/chromium.log)…"
  install_chromium &
  browser_pid=$!
fi

echo "Building (Release)…"
dotnet build "$root/ScalableWebhook.sln" -c Release --nologo -clp:ErrorsOnly
build=$?

servers=0
if [ -n "$servers_pid" ]; then
  wait "$servers_pid"
  servers=$?
  cat "$results/servers.log"
fi

browser=0
if [ -n "$browser_pid" ]; then
  wait "$browser_pid"
  browser=$?
fi

status=0
extra_failures=0
for tier in $tiers; do
  if [ $build -ne 0 ]; then break; fi
  if [ "$tier" != fast ] && [ "$tier" != bench ] && [ $servers -ne 0 ]; then
    echo "=== $tier: not run, the servers did not start"
    extra_failures=$((extra_failures + 1)); status=1
    continue
  fi
  if [ "$tier" = console ] && [ $browser -ne 0 ]; then
    echo "=== console: not run, Chromium could not be installed (see $results/chromium.log)"
    extra_failures=$((extra_failures + 1)); status=1
    continue
  fi
  echo "=== $tier: dotnet test ${projects[$tier]}"
  [ "$tier" = faults ] && export WEBHOOK_FAULT_REPORT=$state/fault-suite.md && rm -f "$WEBHOOK_FAULT_REPORT"
  dotnet test "$root/${projects[$tier]}" -c Release --no-build --nologo \
    --results-directory "$results/$tier" --logger "trx" --logger "console;verbosity=normal" "$@"
  tier_status=$?
  [ $status -ne 0 ] || status=$tier_status
  # A run that failed without reporting a failed test (a crash, a build of the wrong thing) still counts as one.
  if [ $tier_status -ne 0 ] && ! grep -qs 'failed="[1-9]' "$results/$tier"/*.trx; then extra_failures=$((extra_failures + 1)); fi
  if [ "$tier" = faults ] && [ -f "$WEBHOOK_FAULT_REPORT" ]; then cat "$WEBHOOK_FAULT_REPORT"; fi
done

if [ -n "$servers_pid" ] && [ "${KEEP_SERVERS:-0}" != 1 ]; then "$here/servers.sh" stop >/dev/null; fi

passed=0 failed=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ $build -ne 0 ]; then failed=$((failed + 1)); status=1; fi
failed=$((failed + extra_failures))
echo "$passed passed, $failed failed"
exit $status
