#!/usr/bin/env bash
# Runs every test, tier by tier, and ends with one line "N passed, N failed":
#
#   fast     Webhook.Tests                unit and harness tests: no server, no process
#   aws      deploy/aws/test/Webhook.Aws.Tests   the CDK app synthesized and asserted, checked against the hosts; no server
#   servers  Webhook.Tests.Servers        the Processor's stores against real PostgreSQL and DynamoDB Local
#   system   Webhook.Tests.System         both hosts as processes on the real servers, and servers.sh
#   console  Webhook.Tests.Console        the console as a process beside them: its JSON API, the dead-letter tools and
#                                         deploy/dlq.sh, and its pages in Debian's Chromium (installed here if missing)
#   faults   Webhook.Tests.Faults         servers stopped and processes killed under a stream of events
#   cluster  Webhook.Tests.Cluster        the same on a three-node RabbitMQ cluster, two APIs behind HAProxy, two Processors
#   bench    bench/Webhook.Bench.Tests    the benchmark tool's short form, on its own servers (profile "bench")
#
# It starts the servers of the "test" profile (their own ports and state, beside a running dev system), and for the
# cluster tier those of the "test-cluster" profile, while it builds, runs the tiers in that order (cluster beside
# faults when it comes after faults), and stops the servers it started. TIERS="fast servers" runs only those;
# SKIP_FAULTS=1 leaves both fault suites out; FAULT_EVENTS (default 2000) sets their stream length; KEEP_SERVERS=1
# leaves the servers running for the next run. Extra arguments go to every dotnet test (e.g. --filter
# "FullyQualifiedName~Pipeline").
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
  [aws]=deploy/aws/test/Webhook.Aws.Tests
  [servers]=Webhook.Tests.Servers
  [system]=Webhook.Tests.System
  [console]=Webhook.Tests.Console
  [faults]=Webhook.Tests.Faults
  [cluster]=Webhook.Tests.Cluster
  [bench]=bench/Webhook.Bench.Tests
)
tiers=${TIERS:-fast aws servers system console faults cluster bench}
[ "${SKIP_FAULTS:-0}" = 1 ] && tiers=${tiers//faults/} && tiers=${tiers//cluster/}
for tier in $tiers; do
  [ -n "${projects[$tier]:-}" ] || { echo "test.sh: unknown tier '$tier' (${!projects[*]})"; echo "0 passed, 1 failed"; exit 2; }
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
cluster_pid=
case " $tiers " in *" cluster "*)
  echo "Starting the clustered test servers: 3 RabbitMQ nodes, HAProxy, PostgreSQL, DynamoDB Local (log: $results/cluster-servers.log)…"
  WEBHOOK_PROFILE=test-cluster WEBHOOK_STATE_DIR= WEBHOOK_PORT_BASE= "$here/servers.sh" start >"$results/cluster-servers.log" 2>&1 &
  cluster_pid=$! ;;
esac

# The CDK app's jsii runtime warns at length about the Node.js release it runs on.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1

# The console's browser tests drive Debian's Chromium, installed like the servers (never a browser Playwright downloads).
# Playwright 1.64 expects Chromium 156: the version is in the tests' output.
chromium=${CHROMIUM_PATH:-/usr/lib/chromium/chromium}
browser_pid=
# One apt-get at a time, beside the servers' installs (servers.sh takes the same lock).
apt_get() { flock -o -w 900 "${TMPDIR:-/tmp}/scalable-webhook-apt.lock" apt-get "$@"; }
install_chromium() {
  [ -x "$chromium" ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show chromium >/dev/null 2>&1; then apt_get update >>"$results/chromium.log" 2>&1 || return 1; fi
  apt_get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core >>"$results/chromium.log" 2>&1 \
    || { apt_get update >>"$results/chromium.log" 2>&1 && apt_get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core >>"$results/chromium.log" 2>&1; }
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
cluster_servers=0
if [ -n "$cluster_pid" ]; then
  wait "$cluster_pid"
  cluster_servers=$?
  cat "$results/cluster-servers.log"
fi

browser=0
if [ -n "$browser_pid" ]; then
  wait "$browser_pid"
  browser=$?
fi

status=0
# Failures no trx file reports (a tier not run, a run that ended in error, the build), each with its line for the end.
extra_failures=0 unreported=()
count_unreported() { extra_failures=$((extra_failures + 1)); unreported+=("FAILED $1"); }
# Whether a tier can run: its servers started, and for the console Chromium installed. Says why not, and counts it.
runnable() {
  local tier=$1
  if { [ "$tier" = cluster ] && [ $cluster_servers -ne 0 ]; } || { [ "$tier" != fast ] && [ "$tier" != aws ] && [ "$tier" != bench ] && [ "$tier" != cluster ] && [ $servers -ne 0 ]; }; then
    echo "=== $tier: not run, the servers did not start"
    count_unreported "($tier) not run, the servers did not start"; status=1
    return 1
  fi
  if [ "$tier" = console ] && [ $browser -ne 0 ]; then
    echo "=== console: not run, Chromium could not be installed (see $results/chromium.log)"
    count_unreported "(console) not run, Chromium could not be installed"; status=1
    return 1
  fi
}

# Runs one tier's tests, ending with its exit code; the fault suites' tables follow their output. They write them
# beside WEBHOOK_FAULT_REPORT: fault-suite.md, cluster-fault-suite.md.
export WEBHOOK_FAULT_REPORT=$state/fault-suite.md
run_tier() {
  local tier=$1 report=$state/fault-suite.md code
  [ "$tier" = cluster ] && report=$state/cluster-fault-suite.md
  echo "=== $tier: dotnet test ${projects[$tier]}"
  case $tier in faults|cluster) rm -f "$report" ;; esac
  dotnet test "$root/${projects[$tier]}" -c Release --no-build --nologo \
    --results-directory "$results/$tier" --logger "trx" --logger "console;verbosity=normal" "${@:2}"
  code=$?
  case $tier in faults|cluster) if [ -f "$report" ]; then cat "$report"; fi ;; esac
  return $code
}

# Adds a finished tier and its exit code to the totals. A run that failed without reporting a failed test (a crash,
# a build of the wrong thing) still counts as one.
account() {
  local tier=$1 code=$2
  [ $status -ne 0 ] || status=$code
  if [ "$code" -ne 0 ] && ! grep -qs 'failed="[1-9]' "$results/$tier"/*.trx; then
    count_unreported "($tier) dotnet test ended with exit code $code and no failed test in its results"
  fi
}

# The two fault suites run side by side: each has servers of its own (profiles test and test-cluster, their own
# ports), each spends most of its time waiting out a fault under a stream of 50 webhooks/s, and neither depends on
# how busy the machine is. The clustered suite's output is held back and printed once both have ended. The bench
# tier, on servers of its own too, stays last: it loads both cores for its whole run, and beside the fault suites it
# stretched them by more than its own time (two clean-clone .ci/runs on one day: 27.9 min with it there, 27.2 without).
beside= beside_tried=
[[ " $tiers " =~ " faults "(.*" ")?"cluster " ]] && beside=cluster
for tier in $tiers; do
  if [ $build -ne 0 ]; then break; fi
  [ "$tier" = "$beside" ] && [ -n "$beside_tried" ] && continue
  runnable "$tier" || continue
  if [ "$tier" = faults ] && [ -n "$beside" ]; then
    beside_tried=1 beside_pid=
    if runnable "$beside"; then
      echo "=== $beside: runs beside faults; its output follows the fault suite's"
      run_tier "$beside" "$@" >"$results/$beside.out" 2>&1 &
      beside_pid=$!
    fi
    run_tier faults "$@"
    account faults $?
    if [ -n "$beside_pid" ]; then
      wait "$beside_pid"
      code=$?
      cat "$results/$beside.out"
      account "$beside" $code
    fi
    continue
  fi
  run_tier "$tier" "$@"
  account "$tier" $?
done

if [ "${KEEP_SERVERS:-0}" != 1 ]; then
  if [ -n "$servers_pid" ]; then "$here/servers.sh" stop >/dev/null; fi
  if [ -n "$cluster_pid" ]; then WEBHOOK_PROFILE=test-cluster WEBHOOK_STATE_DIR= WEBHOOK_PORT_BASE= "$here/servers.sh" stop >/dev/null; fi
fi

# The totals, and the failed tests again with the first line of each one's message just above them: a log cut to its
# end still names them.
if [ $build -ne 0 ]; then count_unreported "the build"; status=1; fi
passed=0 failed=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "${f:-0}" -eq 0 ] && continue
  awk -v tier="$(basename "$(dirname "$trx")")" '
    function text(s) { gsub(/&#x[AD];/, " ", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "'"'"'", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
    /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = text(substr($0, RSTART + 10, RLENGTH - 11)); waiting = 1; next }
    waiting && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); printf "FAILED (%s) %s: %s\n", tier, name, text(substr($0, 1, 400)); waiting = 0 }
    waiting && /<\/UnitTestResult>/ { printf "FAILED (%s) %s\n", tier, name; waiting = 0 }' "$trx"
done
for line in "${unreported[@]}"; do echo "$line"; done
failed=$((failed + extra_failures))
echo "$passed passed, $failed failed"
exit $status
