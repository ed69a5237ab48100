#!/usr/bin/env bash
# Makes an HS256 token for protected rooms: make-token.sh NAME READ POST [SECONDS [MODERATE]]
#   READ, POST, MODERATE: comma-separated room patterns (`team-*`, `team-a`), or "" for none; SECONDS: lifetime (3600).
#   The key is the node's Auth:SigningKey, read from CHAT_SIGNING_KEY (never on the command line: ps shows it).
# Example: CHAT_SIGNING_KEY='...' deploy/make-token.sh Ann 'team-*' team-a
set -euo pipefail
[ $# -ge 3 ] && [ -n "${CHAT_SIGNING_KEY:-}" ] || { sed -n '2,5p' "$0" >&2; exit 2; }
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
list() { local out="" p; IFS=, read -ra ps <<<"$1"; for p in "${ps[@]}"; do out+="${out:+,}\"$p\""; done; echo "[$out]"; }
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
claims=$(printf '{"name":"%s","exp":%d,"chat":{"read":%s,"post":%s,"moderate":%s}}' "$1" $(( $(date +%s) + ${4:-3600} )) "$(list "$2")" "$(list "$3")" "$(list "${5:-}")" | b64)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -hmac "$CHAT_SIGNING_KEY" -binary | b64)
echo "$header.$claims.$signature"
