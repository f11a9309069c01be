#!/usr/bin/env bash
# Runs the whole system on this machine: RabbitMQ, PostgreSQL and DynamoDB Local (servers.sh), then the Processor
# (which applies the migrations, creates the statistics tables and seeds the sample data), the API and the console,
# as background processes whose PIDs and logs are kept under .state/<profile>/apps. Idempotent: what already runs is left alone,
# and the hosts are rebuilt only when a source file changed since their last build.
#
#   deploy/local/up.sh          start everything, print where it runs and how to send a signed sample event
#   deploy/local/down.sh        stop everything this started
#
# API_PORT (5080), PROCESSOR_PORT (5081) and CONSOLE_PORT (5082) move the hosts. The local secrets (the Standard
# Webhooks secret, the console's analyst and operator keys) are made on the first run, kept in
# .state/<profile>/local-secrets.env, and read from there by send-sample.sh and deploy/dlq.sh.
#
#   WEBHOOK_PROFILE=cluster deploy/local/up.sh   the clustered system: three RabbitMQ nodes, two API replicas behind
#                                                the load balancer (HAProxy), two Processors, the console; providers
#                                                use the balancer's URL, which it prints (and writes to
#                                                .state/cluster/apps/public-url)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export WEBHOOK_PROFILE=${WEBHOOK_PROFILE:-dev}
state=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/$WEBHOOK_PROFILE}")
apps=$state/apps
api_port=${API_PORT:-5080}
processor_port=${PROCESSOR_PORT:-5081}
console_port=${CONSOLE_PORT:-5082}
hosts=(Webhook.Api Webhook.Processor Webhook.Console)
# What the hosts are built from: their own projects and the libraries they reference.
sources=(Webhook.Api Webhook.Processor Webhook.Console Webhook.Contracts Webhook.Messaging Webhook.Providers Webhook.ServiceDefaults Webhook.Storage)
mkdir -p "$apps"

step() { printf '==> %s\n' "$*"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

step "Servers: RabbitMQ, PostgreSQL, DynamoDB Local (the first run installs what is missing: a minute or two)"
"$here/servers.sh" start
eval "$("$here/servers.sh" env)"

# A port of the servers' description: port_of PROCESS PORT_NAME. (Read whole first: with pipefail, a grep -q that
# stops reading early would fail the pipeline.)
description=$("$here/servers.sh" describe)
port_of() {
  tr -d '\n' <<<"$description" | grep -o "\"name\": \"$1\", \"pid\": [0-9a-z]*, \"ports\": {[^}]*}" \
    | grep -o "\"$2\": [0-9]*" | grep -o '[0-9]*$'
}
clustered=0
if grep -q '"name": "balancer"' <<<"$description"; then
  clustered=1
  balancer_port=$(port_of balancer http)
  api_ports=("$(port_of balancer api-1)" "$(port_of balancer api-2)")
  processor_ports=($((balancer_port + 11)) $((balancer_port + 12)))
fi

# Secrets of this machine only: made once, readable by this user only, never committed nor published with the app.
secrets=$state/local-secrets.env
if [ ! -s "$secrets" ]; then
  command -v openssl >/dev/null 2>&1 || { echo "up.sh: needs openssl to make the local secrets (apt-get install openssl)" >&2; exit 1; }
  (
    umask 077
    {
      echo "# Made by deploy/local/up.sh for this machine's local system; delete the file to get new ones."
      echo "Webhooks__Email__Secret=whsec_$(openssl rand -base64 32)"
    } >"$secrets"
  )
fi
# Keys added since the file was first made are added to it, once each.
add_secret() {
  grep -q "^$1=" "$secrets" || (umask 077; echo "$1=$(openssl rand -hex 24)" >>"$secrets")
}
add_secret Console__AnalystKey
add_secret Console__OperatorKey
set -a
# shellcheck source=/dev/null
. "$secrets"
set +a

# Rebuilt only when a source file of the hosts or of a library they use is newer than their build, and never under a
# host that runs (stop it with down.sh first to run a change).
needs_build=0
running_replica() {
  local pid_file
  for pid_file in "$apps/$1".pid "$apps/$1"-*.pid; do alive "$pid_file" && return 0; done
  return 1
}
for host in "${hosts[@]}"; do
  running_replica "$host" && continue
  dll=$root/$host/bin/Release/net10.0/$host.dll
  if [ ! -f "$dll" ]; then needs_build=1; break; fi
  changed=$(cd "$root" && find "${sources[@]}" Directory.*.props \( -name bin -o -name obj \) -prune -o -type f \
    \( -name '*.cs' -o -name '*.cshtml' -o -name '*.css' -o -name '*.csproj' -o -name '*.json' -o -name '*.props' \) -newer "$dll" -print -quit)
  if [ -n "$changed" ]; then needs_build=1; break; fi
done
if [ $needs_build = 1 ]; then
  step "Building the API, the Processor and the console (Release; about a minute the first time)"
  for host in "${hosts[@]}"; do
    dotnet build "$root/$host/$host.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >"$apps/build.log" 2>&1 \
      || { cat "$apps/build.log" >&2; echo "up.sh: the build of $host failed" >&2; exit 1; }
  done
fi

wait_ready() {
  local name=$1 url=$2 log=$3 pid_file=$4 deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! alive "$pid_file"; then
      echo "$name exited while starting; last lines of $log:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    if [ $SECONDS -gt $deadline ]; then
      echo "$name is not ready at $url after 120 s; last lines of $log:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "$name: ready on ${url%/health/ready} (pid $(cat "$pid_file"))"
}

# start_app PROJECT INSTANCE PORT [NAME=VALUE...]: one replica of a host, its PID and log named after INSTANCE.
start_app() {
  local project=$1 instance=$2 port=$3; shift 3
  local pid_file=$apps/$instance.pid log=$apps/$instance.log
  if alive "$pid_file"; then
    echo "$instance: already running (pid $(cat "$pid_file"))"
    return
  fi
  step "Starting $instance on 127.0.0.1:$port (log: $log)"
  # The log of an earlier run is kept: each start appends to it below a line of its own.
  printf '==== %s starting %s on 127.0.0.1:%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$instance" "$port" >>"$log"
  # The background job must be the host itself (not a subshell waiting for it), so that $! is the host's PID
  # and nothing keeps this script's output open. Run from its output directory, as a deployment runs it.
  cd "$root/$project/bin/Release/net10.0"
  env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" "$@" \
    setsid nohup dotnet "$project.dll" >>"$log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  cd "$root"
  wait_ready "$instance" "http://127.0.0.1:$port/health/ready" "$log" "$pid_file"
}

if [ $clustered = 1 ]; then
  console_port=$((balancer_port + 10))
  start_app Webhook.Processor Webhook.Processor-1 "${processor_ports[0]}" Processor__SeedSampleData=true
  start_app Webhook.Processor Webhook.Processor-2 "${processor_ports[1]}"
  start_app Webhook.Api Webhook.Api-1 "${api_ports[0]}"
  start_app Webhook.Api Webhook.Api-2 "${api_ports[1]}"
  start_app Webhook.Console Webhook.Console "$console_port"
  public_url=http://127.0.0.1:$balancer_port
  hosts_text="  Load balancer (HAProxy)    $public_url   (POST /webhooks/email; what it sends to: deploy/local/servers.sh balancer-state)
  API replicas               http://127.0.0.1:${api_ports[0]}, http://127.0.0.1:${api_ports[1]}   (/health/ready)
  Processors                 http://127.0.0.1:${processor_ports[0]}, http://127.0.0.1:${processor_ports[1]}   (/health/ready)
  RabbitMQ nodes             deploy/local/servers.sh status   (three nodes, one cluster)"
else
  start_app Webhook.Processor Webhook.Processor "$processor_port" Processor__SeedSampleData=true
  start_app Webhook.Api Webhook.Api "$api_port"
  start_app Webhook.Console Webhook.Console "$console_port"
  public_url=http://127.0.0.1:$api_port
  hosts_text="  API (providers' webhooks)  $public_url   (POST /webhooks/email; /health/ready)
  Processor                  http://127.0.0.1:$processor_port   (/health/ready)"
fi
# Where providers send, and where the console is: send-sample.sh and deploy/dlq.sh read them.
echo "$public_url" >"$apps/public-url"
echo "http://127.0.0.1:$console_port" >"$apps/console-url"

cat <<TXT

The system runs ($WEBHOOK_PROFILE profile).
$hosts_text
  Console (people's pages)   http://127.0.0.1:$console_port   (sign in with a key below; JSON API reference: /scalar)
  Logs                       $apps/*.log
  Local secrets              $secrets   (the webhook secret, the console's analyst and operator keys)

Send a signed sample event to $public_url (email-1001 to email-1010 exist; Opened, Clicked or Spam):
  WEBHOOK_PROFILE=$WEBHOOK_PROFILE deploy/local/send-sample.sh email-1001 Opened

Then look at what it changed:
  WEBHOOK_PROFILE=$WEBHOOK_PROFILE deploy/local/servers.sh psql -c "select * from viewed_products"
  WEBHOOK_PROFILE=$WEBHOOK_PROFILE deploy/dlq.sh list          # the dead letters (none, with luck)
  open http://127.0.0.1:$console_port and sign in with Console__AnalystKey or Console__OperatorKey from $secrets

Stop it all: WEBHOOK_PROFILE=$WEBHOOK_PROFILE deploy/local/down.sh
TXT
