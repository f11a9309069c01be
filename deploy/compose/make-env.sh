#!/usr/bin/env bash
# Writes deploy/compose/.env, the secrets of this Docker host's system: the broker's and the database's passwords,
# and the Standard Webhooks secret, each made here with openssl. Keeps an existing .env (delete it to
# get new ones; the volumes keep the old passwords, so remove them too: docker compose down -v).
# Provider keys, when you have them, go in the same file: SENDGRID_VERIFICATION_KEY, MAILGUN_SIGNING_KEY.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -s .env ]; then echo "make-env.sh: .env exists, kept"; exit 0; fi
command -v openssl >/dev/null 2>&1 || { echo "make-env.sh: needs openssl" >&2; exit 1; }
umask 077
{
  echo "# Made by make-env.sh for this Docker host; never commit it."
  echo "RABBITMQ_PASSWORD=$(openssl rand -hex 24)"
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 24)"
  echo "WEBHOOK_EMAIL_SECRET=whsec_$(openssl rand -base64 32)"
} >.env
echo "make-env.sh: wrote $(pwd)/.env"
