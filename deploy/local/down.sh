#!/usr/bin/env bash
# Stops what up.sh started: the console, the API and the Processor (SIGTERM, so in-flight work finishes), then the servers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=${WEBHOOK_PROFILE:-dev}
apps=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/$WEBHOOK_PROFILE}")/apps

for project in Webhook.Console Webhook.Api Webhook.Processor; do
  pid_file=$apps/$project.pid
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  # Only a PID that still runs our host's dll is ours to stop.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$project.dll"; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    echo "$project: stopped"
  fi
  rm -f "$pid_file"
done

"$here/servers.sh" stop
