#!/usr/bin/env bash
# `make hostile`: the lock-out attacks at full size against a running service (`make run` in
# another terminal, or HOST/PORT/ADMIN_PORT pointing elsewhere), each while legitimate clients
# call the API; prints, per attack, the legitimate success rate and p99 and the slowest probe.
# The small versions of the same attacks run in `make test` (HostileLoadTest).
#
# Attacks (slowhttptest, Debian's package; .ci/run installs it):
#   slow-read   128 connections reading the 1.7 MB Swagger UI bundle a few bytes at a time (-X)
#   slow-body   130 connections sending a body one byte every 5 s (-B)
#   slowloris   2,000 connections sending a header line every 5 s (-H)
#   trickle     2,000 kept-alive connections sending one small GET every 25 s each
#               (scripts/keepalive-trickle.js, Node)
#   admin       64 connections to the admin port that never finish their request (-H)
# ATTACKS="slow-read slow-body" picks some; DURATION (s) sets how long each runs (default 40).
set -euo pipefail

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
ADMIN_PORT=${ADMIN_PORT:-9080}
DURATION=${DURATION:-40}
ATTACKS=${ATTACKS:-slow-read slow-body slowloris trickle admin}
CLIENTS=${CLIENTS:-4}

command -v slowhttptest >/dev/null || { echo "slowhttptest is needed: apt-get install slowhttptest" >&2; exit 1; }
curl -sf "http://$HOST:$ADMIN_PORT/observe/health/ready" >/dev/null \
  || { echo "No service ready on $HOST (admin port $ADMIN_PORT): start it with 'make run' first" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# One legitimate client: GET on a new connection every 50 ms; one line "status seconds" per call.
legitimate() {
  local end=$((SECONDS + DURATION - 10))
  while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' "http://$HOST:$PORT/products?limit=1" || echo "000 5"
    sleep 0.05
  done
}

# One legitimate writer: POST on a new connection every 100 ms; one line per call.
writer() {
  local end=$((SECONDS + DURATION - 10))
  while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' -X POST "http://$HOST:$PORT/products" \
         -H 'Content-Type: application/json' -d '{"name": "hostile-load", "description": "writer"}' || echo "000 5"
    sleep 0.1
  done
}

# The admin port's liveness every 200 ms; one line per call.
probe() {
  local end=$((SECONDS + DURATION - 10))
  while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}\n' "http://$HOST:$ADMIN_PORT/observe/health/live" || echo "000 2"
    sleep 0.2
  done
}

summary() {  # file label
  sort -k2 -n "$1" | awk -v label="$2" '{ n++; t[n] = $2; if ($1 ~ /^2/) ok++ }
    END { if (n == 0) { printf "  %-12s no calls\n", label; exit }
          p = int(n * 0.99); if (p < 1) p = 1
          printf "  %-12s %d calls, %.1f %% succeeded, p99 %.0f ms, slowest %.0f ms\n", label, n, 100 * ok / n, 1000 * t[p], 1000 * t[n] }'
}

for attack in $ATTACKS; do
  case "$attack" in
    slow-read) args=(-X -c 128 -r 64 -w 512 -y 1024 -n 5 -z 32 -k 2 -u "http://$HOST:$PORT/docs/swagger-ui-bundle.js") ;;
    slow-body) args=(-B -c 130 -r 65 -i 5 -s 8192 -x 1 -t POST -u "http://$HOST:$PORT/products") ;;
    slowloris) args=(-H -c 2000 -r 400 -i 5 -u "http://$HOST:$PORT/products") ;;
    admin)     args=(-H -c 64 -r 64 -i 5 -u "http://$HOST:$ADMIN_PORT/observe/health/live") ;;
    trickle)   args=() ;;
    *) echo "unknown attack $attack (slow-read, slow-body, slowloris, trickle, admin)" >&2; exit 2 ;;
  esac
  if [ "$attack" = trickle ]; then
    echo "== trickle: 2000 kept-alive connections, one GET every 25 s each"
    node "$(dirname "$0")/keepalive-trickle.js" "$HOST" "$PORT" 2000 25 "$DURATION" >"$work/$attack.log" 2>&1 &
  else
    echo "== $attack: slowhttptest ${args[*]} -l $DURATION"
    slowhttptest "${args[@]}" -l "$DURATION" -p 3 -o "$work/$attack" >"$work/$attack.log" 2>&1 &
  fi
  attacker=$!
  sleep 5
  for i in $(seq "$CLIENTS"); do legitimate >"$work/$attack.legit.$i" & done
  writer >"$work/$attack.writer" &
  probe >"$work/$attack.probe" &
  wait $(jobs -p | grep -v "^$attacker$") 2>/dev/null || true
  wait "$attacker" 2>/dev/null || true
  cat "$work/$attack".legit.* >"$work/$attack.legit"
  summary "$work/$attack.legit" "legitimate"
  summary "$work/$attack.writer" "writer"
  summary "$work/$attack.probe" "liveness"
  grep -E "service available|closed|pending|connected|trickle:" "$work/$attack.log" | tail -4 | sed "s/^/  $attack: /" || true
  sleep 5
done
curl -s "http://$HOST:$ADMIN_PORT/observe/metrics" -H 'Accept: text/plain' | grep '^http_server_connections_closed_total' | grep -Ev ' 0(\.0)?$' || true
