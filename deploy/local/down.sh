#!/usr/bin/env bash
# Stops what up.sh started: the console, the API replicas and the Processors (SIGTERM, so in-flight work finishes),
# then the servers. WEBHOOK_PROFILE=cluster for the clustered system.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=${WEBHOOK_PROFILE:-dev}
apps=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/$WEBHOOK_PROFILE}")/apps

# The console and the APIs first (no new events), then the Processors; every replica up.sh started (Webhook.Api-1.pid...).
for pid_file in "$apps"/Webhook.Console*.pid "$apps"/Webhook.Api*.pid "$apps"/Webhook.Processor*.pid; do
  [ -f "$pid_file" ] || continue
  instance=$(basename "$pid_file" .pid)
  project=${instance%%-*}
  pid=$(cat "$pid_file")
  # Only a PID that still runs our host's dll is ours to stop.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$project.dll"; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    echo "$instance: stopped"
  fi
  rm -f "$pid_file"
done
rm -f "$apps/public-url"

"$here/servers.sh" stop
