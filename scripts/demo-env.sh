#!/usr/bin/env bash
# The demo's secrets, made once per checkout and kept in var/demo.env (never committed): a secret
# key, an unguessable staff entrance and a webhook secret, so `make run` serves the demo as
# production would (DEBUG off) on http://127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
file=var/demo.env
[ -s "$file" ] && exit 0
random() { python3 -c "import secrets, sys; print(secrets.token_urlsafe(int(sys.argv[1])))" "$1"; }
umask 077
{
  echo "SECRET_KEY=$(random 50)"
  echo "RAPPORT_STAFF_PATH=office-$(python3 -c 'import secrets; print(secrets.token_hex(5))')"
  echo "RAPPORT_PAYMENT_WEBHOOK_SECRET=$(random 32)"
} > "$file"
echo "Made $file (this demo's secrets and staff entrance)"
