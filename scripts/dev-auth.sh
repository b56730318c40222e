#!/usr/bin/env bash
# Development bearer tokens for trying authentication locally (`make run AUTH=jwt`, `make token`).
# Keeps an RSA key pair in .data/auth/ (created on first use, git-ignored): the service trusts its
# public half through a JWK Set file, and `token` signs RS256 access tokens with the private half.
# Development only: production tokens come from the organisation's identity provider.
#
#   scripts/dev-auth.sh env                  the AUTH_* variables of `make run AUTH=jwt`
#   scripts/dev-auth.sh token "SCOPES" [SUB] a token valid for an hour (default subject dev-client)
set -euo pipefail

dir="${DEV_AUTH_DIR:-.data/auth}"
issuer="product-service-dev"
audience="product-service"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

ensure_keys() {
  if [[ -f "$dir/dev-key.pem" && -f "$dir/jwks.json" && -f "$dir/kid" ]]; then
    return
  fi
  mkdir -p "$dir"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/dev-key.pem" 2>/dev/null)
  local n kid
  n=$(openssl rsa -in "$dir/dev-key.pem" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
  # The key id is derived from the key, so a new pair gets a new id (as in a real rotation).
  kid=$(printf '%s' "$n" | openssl dgst -sha256 -binary | b64url | cut -c1-16)
  # genpkey's public exponent is 65537: AQAB in base64url.
  printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"%s","n":"%s","e":"AQAB"}]}\n' "$kid" "$n" > "$dir/jwks.json"
  printf '%s' "$kid" > "$dir/kid"
}

case "${1:-}" in
  env)
    ensure_keys
    echo "AUTH_MODE=jwt AUTH_ISSUER=$issuer AUTH_AUDIENCE=$audience AUTH_JWKS=file://$(cd "$dir" && pwd)/jwks.json"
    ;;
  token)
    ensure_keys
    scopes="${2:-products.read products.write}"
    subject="${3:-dev-client}"
    now=$(date +%s)
    header=$(printf '{"alg":"RS256","typ":"at+jwt","kid":"%s"}' "$(cat "$dir/kid")" | b64url)
    payload=$(printf '{"iss":"%s","aud":"%s","sub":"%s","client_id":"%s","scope":"%s","iat":%d,"exp":%d}' \
      "$issuer" "$audience" "$subject" "$subject" "$scopes" "$now" "$((now + 3600))" | b64url)
    signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$dir/dev-key.pem" -binary | b64url)
    echo "$header.$payload.$signature"
    ;;
  *)
    echo "usage: $0 env | token \"SCOPES\" [SUBJECT]" >&2
    exit 2
    ;;
esac
