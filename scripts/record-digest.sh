#!/usr/bin/env bash
# Records the registry digest of an image that `make push` has just pushed, so that `make deploy`
# applies repository@sha256:... and not a tag that can be moved (or overwritten) later.
#
# Usage: scripts/record-digest.sh IMAGE_REF FILE    (IMAGE_REF = registry/name:tag; $DOCKER = docker)
# Writes FILE with one line, registry/name@sha256:<64 hex>; fails if the registry reported none.
set -euo pipefail

ref=$1
file=$2
repository=${ref%:*}
digests=$(${DOCKER:-docker} inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref")
digest=$(printf '%s\n' "$digests" | grep -E "^${repository//./\\.}@sha256:[0-9a-f]{64}$" | head -n 1 || true)
if [ -z "$digest" ]; then
  echo "record-digest: the registry reported no digest for $ref (was it pushed?)" >&2
  exit 1
fi
mkdir -p "$(dirname "$file")"
printf '%s\n' "$digest" > "$file"
echo "record-digest: $digest (make deploy applies it)"
