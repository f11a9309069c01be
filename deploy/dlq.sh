#!/usr/bin/env bash
# The dead-letter queue, for operators: list, show, replay and purge the events the Processor gave up on, through
# the console's JSON API (/api/dead-letters, /api/set-aside). Needs bash and curl only. See docs/operations.md.
#
#   dlq.sh list [--limit N] [--offset N]
#   dlq.sh show EVENT_ID
#   dlq.sh replay (--all | FILTERS) [--rate EVENTS_PER_SECOND]
#   dlq.sh purge  (--all | FILTERS) [--yes]
#   dlq.sh set-aside [--limit N] [--offset N]        the events the intake set aside from verified webhooks
#   dlq.sh purge-set-aside (--all | --ids ID,ID,...) [--yes]
#
#   FILTERS (every one given must match):  --type TYPE  --email EMAIL_ID  --ids ID,ID,...
#                                          --after TIME  --before TIME   (ISO 8601, the last failure, e.g. 2026-11-26T09:00:00Z)
#   --json    print the console's JSON instead of text
#
# Environment: CONSOLE_URL (default: the local system's console, as deploy/local/up.sh wrote it, else
# http://127.0.0.1:5082), OPERATOR_KEY (the console's Console:OperatorKey; for the local system, the one up.sh made is
# read from .state/<profile>/local-secrets.env).
set -euo pipefail

usage() { sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
die() { printf 'dlq.sh: %s\n' "$*" >&2; exit 1; }

local_state=$(realpath -m "${WEBHOOK_STATE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../.state/${WEBHOOK_PROFILE:-dev}}")
# The local system's console (up.sh writes its address) and key, when no other console or key is named.
console=${CONSOLE_URL:-$(cat "$local_state/apps/console-url" 2>/dev/null || echo http://127.0.0.1:5082)}
console=${console%/}
if [ -z "${OPERATOR_KEY:-}" ] && [ -z "${CONSOLE_URL:-}" ] && [ -f "$local_state/local-secrets.env" ]; then
  OPERATOR_KEY=$(sed -n 's/^Console__OperatorKey=//p' "$local_state/local-secrets.env")
fi

# Percent-encodes one query value (UTF-8 bytes).
urlencode() {
  local LC_ALL=C text=$1 out='' c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# call METHOD PATH_AND_QUERY: prints the answer; on an HTTP error prints the problem's title and detail and fails.
# The key goes to curl on its standard input, not on its command line, where other users could read it (ps).
call() {
  # Text for answers, ProblemDetails (JSON) for errors, whichever part of the console writes them.
  local method=$1 path=$2 accept='text/plain, application/problem+json;q=0.5' response status body title detail errors
  command -v curl >/dev/null 2>&1 || die "needs curl (apt-get install curl)"
  [ -n "${OPERATOR_KEY:-}" ] || die "set OPERATOR_KEY to the console's Console:OperatorKey (for the local system, run deploy/local/up.sh first)"
  [ "$json" = 1 ] && accept=application/json
  response=$(printf 'X-Api-Key: %s\n' "$OPERATOR_KEY" \
    | curl -sS --connect-timeout 10 -X "$method" -H @- -H "Accept: $accept" -w '\n%{http_code}' "$console$path") \
    || die "cannot reach the console at $console"
  status=${response##*$'\n'}
  body=${response%$'\n'*}
  body=${body%$'\n'}
  if [ "$status" -ge 400 ] 2>/dev/null; then
    title=$(sed -n 's/.*"title":"\([^"]*\)".*/\1/p' <<<"$body")
    detail=$(sed -n 's/.*"detail":"\(\([^"\\]\|\\.\)*\)".*/\1/p' <<<"$body")
    # A 404 with no detail is a route that is not served there: not the console, or an older one.
    [ "$status" = 404 ] && [ -z "$detail" ] && detail="no dead-letter endpoints at $console (is CONSOLE_URL the console's address?)"
    # Validation problems: the messages of every field, one after the other.
    errors=$(grep -o '"errors":{.*}' <<<"$body" | grep -o '\["[^]]*"\]' | sed 's/^\["//; s/"\]$//; s/","/ /g' | paste -sd ' ' || true)
    # JSON's escaped quotes and backslashes, as the reader should see them (a value quoted in a message).
    die "$(sed 's/\\"/"/g; s/\\\\/\\/g' <<<"HTTP $status${title:+ $title}${detail:+: $detail}${errors:+ $errors}")"
  fi
  printf '%s\n' "$body"
}

[ $# -ge 1 ] || usage
command=$1
shift
json=0 all=0 yes=0 limit='' offset='' rate='' id='' query=''
add() { query+="${query:+&}$1=$(urlencode "$2")"; }

while [ $# -gt 0 ]; do
  case $1 in
    --json) json=1 ;;
    --all) all=1 ;;
    --yes) yes=1 ;;
    --limit) limit=${2:?--limit needs a number}; shift ;;
    --offset) offset=${2:?--offset needs a number}; shift ;;
    --rate) rate=${2:?--rate needs events per second}; shift ;;
    --type) add eventType "${2:?--type needs an event type}"; shift ;;
    --email) add emailId "${2:?--email needs an email id}"; shift ;;
    --after) add failedAfter "${2:?--after needs a time}"; shift ;;
    --before) add failedBefore "${2:?--before needs a time}"; shift ;;
    --ids)
      IFS=, read -r -a ids <<<"${2:?--ids needs event ids}"
      for one in "${ids[@]}"; do [ -n "$one" ] && add eventId "$one"; done
      shift ;;
    -h | --help) usage ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$id" ] || die "unexpected argument $1"; id=$1 ;;
  esac
  shift
done

selection() {
  if [ "$all" = 1 ]; then
    [ -z "$query" ] || die "--all cannot be combined with filters"
    query=all=true
  fi
  [ -n "$query" ] || die "name the dead letters: --all, or filters (--type, --email, --ids, --after, --before)"
}

case $command in
  list)
    [ -n "$limit" ] && add limit "$limit"
    [ -n "$offset" ] && add offset "$offset"
    call GET "/api/dead-letters${query:+?$query}" ;;
  show)
    [ -n "$id" ] || die "show needs an event id"
    [[ $id =~ ^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$ ]] || die "$id is not an event id (a UUID)"
    call GET "/api/dead-letters/$(urlencode "$id")" ;;
  replay)
    selection
    [ -n "$rate" ] && add rate "$rate"
    call POST "/api/dead-letters/replay?$query" ;;
  purge)
    selection
    if [ "$yes" != 1 ]; then
      [ -t 0 ] || die "purge deletes events for good: confirm with --yes"
      printf 'Delete the dead letters matching %s for good? Type "purge" to confirm: ' "$query" >&2
      read -r answer
      [ "$answer" = purge ] || die "not purged"
    fi
    call DELETE "/api/dead-letters?$query" ;;
  set-aside)
    query=''
    [ -n "$limit" ] && add limit "$limit"
    [ -n "$offset" ] && add offset "$offset"
    call GET "/api/set-aside${query:+?$query}" ;;
  purge-set-aside)
    if [ "$all" = 1 ]; then
      [ -z "$query" ] || die "--all cannot be combined with --ids"
      query=all=true
    fi
    query=${query//eventId=/id=}
    [ -n "$query" ] || die "name the set-aside events: --all, or --ids"
    if [ "$yes" != 1 ]; then
      [ -t 0 ] || die "purge deletes events for good: confirm with --yes"
      printf 'Delete the set-aside events %s for good? Type "purge" to confirm: ' "$query" >&2
      read -r answer
      [ "$answer" = purge ] || die "not purged"
    fi
    call DELETE "/api/set-aside?$query" ;;
  *) usage ;;
esac
