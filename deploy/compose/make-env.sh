#!/usr/bin/env bash
# Writes deploy/compose/.env, the secrets of this Docker host's system: the broker's and the database's passwords,
# the Standard Webhooks secret and the console's two keys (analysts', operators'), each made here with openssl.
# Keeps an existing .env, adding only the console's keys if it has none (delete it to get new ones; the volumes keep
# the old passwords, so remove them too: docker compose down -v).
# Provider keys, when you have them, go in the same file: SENDGRID_VERIFICATION_KEY, MAILGUN_SIGNING_KEY.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v openssl >/dev/null 2>&1 || { echo "make-env.sh: needs openssl" >&2; exit 1; }
umask 077
# 32 random bytes in base64: 44 characters, no spaces (the console refuses keys under 32 characters).
console_keys() {
  echo "CONSOLE_ANALYST_KEY=$(openssl rand -base64 32)"
  echo "CONSOLE_OPERATOR_KEY=$(openssl rand -base64 32)"
}
if [ -s .env ]; then
  if grep -q '^CONSOLE_OPERATOR_KEY=' .env; then echo "make-env.sh: .env exists, kept"; exit 0; fi
  console_keys >>.env
  echo "make-env.sh: .env exists, kept; added the console's keys"
  exit 0
fi
{
  echo "# Made by make-env.sh for this Docker host; never commit it."
  echo "RABBITMQ_PASSWORD=$(openssl rand -hex 24)"
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 24)"
  echo "WEBHOOK_EMAIL_SECRET=whsec_$(openssl rand -base64 32)"
  console_keys
} >.env
echo "make-env.sh: wrote $(pwd)/.env"
