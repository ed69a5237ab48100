#!/usr/bin/env bash
# A self-signed certificate and key for deploy/nginx.conf's TLS listener, to try it on one machine:
#   sudo deploy/make-cert.sh            # writes /etc/nginx/chat.crt and /etc/nginx/chat.key
#   deploy/make-cert.sh ./certs         # or into another folder (then point ssl_certificate* at it)
# Browsers warn about a self-signed certificate; use one from your CA (or ACME) in production.
set -euo pipefail
dir=${1:-/etc/nginx}
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/chat.key" -out "$dir/chat.crt" 2>/dev/null
chmod 600 "$dir/chat.key"
echo "wrote $dir/chat.crt and $dir/chat.key"
