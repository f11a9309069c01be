#!/usr/bin/env bash
# Runs the whole system on this machine: RabbitMQ, PostgreSQL and DynamoDB Local (servers.sh), then the Processor
# (which applies the migrations, creates the statistics tables and seeds the sample data) and the API, as background
# processes whose PIDs and logs are kept under .state/<profile>/apps. Idempotent: what already runs is left alone.
#
#   deploy/local/up.sh          start everything, print how to send a signed sample event
#   deploy/local/down.sh        stop everything this started
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=${WEBHOOK_PROFILE:-dev}
apps=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/$WEBHOOK_PROFILE}")/apps
api_port=${API_PORT:-5080}
processor_port=${PROCESSOR_PORT:-5081}
mkdir -p "$apps"

"$here/servers.sh" start
eval "$("$here/servers.sh" env)"

echo "Building (Release)…"
dotnet build "$root/ScalableWebhook.sln" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_ready() {
  local name=$1 url=$2 log=$3 deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if [ $SECONDS -gt $deadline ]; then
      echo "$name is not ready at $url; last lines of $log:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "$name: ready on ${url%/health/ready}"
}

start_app() {
  local project=$1 port=$2; shift 2
  local pid_file=$apps/$project.pid log=$apps/$project.log
  if alive "$pid_file"; then
    echo "$project: already running (pid $(cat "$pid_file"))"
    return
  fi
  # Development: the committed appsettings.Development.json holds the local secret and endpoints.
  # The background job must be the host itself (not a subshell waiting for it), so that $! is the host's PID
  # and nothing keeps this script's output open.
  cd "$root/$project"
  env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" "$@" \
    setsid nohup dotnet "bin/Release/net10.0/$project.dll" >"$log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  cd "$root"
  wait_ready "$project" "http://127.0.0.1:$port/health/ready" "$log"
}

start_app Webhook.Processor "$processor_port" Processor__SeedSampleData=true
start_app Webhook.Api "$api_port"

cat <<TXT

The system runs. Logs: $apps/*.log

Send a signed sample event (email-1001 to email-1010 exist; Opened, Clicked or Spam):
  deploy/local/send-sample.sh email-1001 Opened

Then look at what it changed:
  deploy/local/servers.sh psql -c "select * from viewed_products"
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb get-item --endpoint-url $AWS__ServiceURL --region us-east-1 \\
    --table-name webhook-email-stats --key '{"Pk":{"S":"EMAIL#email-1001"},"Sk":{"S":"TOTALS"}}'

Stop it all: deploy/local/down.sh
TXT
