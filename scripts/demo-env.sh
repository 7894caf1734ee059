#!/usr/bin/env bash
# The demo's secrets, made once per checkout and kept in var/demo.env (never committed): a secret
# key, an unguessable staff entrance and a webhook secret, so `make run` serves the demo as
# production would (DEBUG off) on http://127.0.0.1. Also the device CA's key (var/device-ca-key.pem)
# that enrolling the offline client needs outside DEBUG (docs/devices.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
file=var/demo.env
random() { python3 -c "import secrets, sys; print(secrets.token_urlsafe(int(sys.argv[1])))" "$1"; }
umask 077
ca_key="$PWD/var/device-ca-key.pem"
if [ ! -s "$ca_key" ]; then
  .venv/bin/python -c "
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
print(Ed25519PrivateKey.generate().private_bytes(
    s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode(), end='')" > "$ca_key"
fi
if [ -s "$file" ]; then
  grep -q '^RAPPORT_DEVICE_CA_KEY_FILE=' "$file" || echo "RAPPORT_DEVICE_CA_KEY_FILE=$ca_key" >> "$file"
  exit 0
fi
{
  echo "SECRET_KEY=$(random 50)"
  echo "RAPPORT_STAFF_PATH=office-$(python3 -c 'import secrets; print(secrets.token_hex(5))')"
  echo "RAPPORT_PAYMENT_WEBHOOK_SECRET=$(random 32)"
  echo "RAPPORT_DEVICE_CA_KEY_FILE=$ca_key"
} > "$file"
echo "Made $file (this demo's secrets and staff entrance)"
