#!/usr/bin/env bash
# Container health probe: exits 0 only when GET <path> on the service answers 200.
#
# Why bash and /dev/tcp: the runtime image (a slim JRE) has neither curl nor wget, and starting a
# second JVM every few seconds would cost more CPU and memory than the check is worth. The service's
# health endpoints answer small bodies, so reading the status line is all that is needed.
#
# Health and metrics (/observe/...) are served on the admin port only ($ADMIN_PORT, else 9080), so
# that a flood on the API port cannot starve the probe; any other path goes to the API port
# ($SERVER_PORT, else 8080), which the image's AOT training run uses.
#
# Usage: healthcheck.sh /observe/health/ready
set -eu -o pipefail
path="${1:?usage: healthcheck.sh PATH}"
case "$path" in
  /observe/*) port="${ADMIN_PORT:-9080}" ;;
  *) port="${SERVER_PORT:-8080}" ;;
esac

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
# A status line that does not arrive within 2 s counts as unhealthy (read fails, set -e exits 1).
read -r -t 2 _version status _reason <&3
exec 3<&-
[ "$status" = "200" ]
