#!/usr/bin/env bash
# Signs one event the Standard Webhooks way and posts it to the local API.
#   deploy/local/send-sample.sh [EMAIL_ID] [Opened|Clicked|Spam]
# WEBHOOK_SECRET (default: the local secret up.sh made, in .state/<profile>/local-secrets.env), API_URL (default: where
# up.sh said providers send). WEBHOOK_PROFILE=cluster for the clustered system.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
email_id=${1:-email-1001}
event_type=${2:-Opened}
secrets=$(realpath -m "${WEBHOOK_STATE_DIR:-$root/.state/${WEBHOOK_PROFILE:-dev}}")/local-secrets.env
secret=${WEBHOOK_SECRET:-}
if [ -z "$secret" ] && [ -f "$secrets" ]; then
  secret=$(sed -n 's/^Webhooks__Email__Secret=//p' "$secrets")
fi
[ -n "$secret" ] || { echo "send-sample.sh: no secret: run deploy/local/up.sh first, or set WEBHOOK_SECRET" >&2; exit 1; }
# Where up.sh said providers send (the API, or the load balancer of the cluster profile).
public_url=$(cat "$(dirname "$secrets")/apps/public-url" 2>/dev/null || true)
url=${API_URL:-${public_url:-http://127.0.0.1:5080}}/webhooks/email

id=msg_$(date +%s%N)
timestamp=$(date +%s)
body=$(printf '{"emailId":"%s","eventType":"%s","occurredAt":"%s"}' "$email_id" "$event_type" "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
key_hex=$(printf '%s' "${secret#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
signature=$(printf '%s' "$id.$timestamp.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64)

echo "POST $url  $body"
curl -sS -i -X POST "$url" \
  -H 'Content-Type: application/json' \
  -H "webhook-id: $id" -H "webhook-timestamp: $timestamp" -H "webhook-signature: v1,$signature" \
  --data-binary "$body"
echo
