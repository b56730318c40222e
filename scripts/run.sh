#!/usr/bin/env bash
# `make run`: the local engine (dynalite) and the service on this machine, both stopped together.
#
#   scripts/run.sh ports   before the build: one line and exit 1 when a port of this run is taken
#   scripts/run.sh serve   start the engine, check that it answers, start the service, watch both
#
# Settings come from the environment (the Makefile exports them): PORT (API), ADMIN_PORT (the
# service's health and metrics listener), ENGINE_PORT, DATA_DIR, AUTH (none|jwt), JAVA, JAVA_OPTS,
# SERVICE_JAR. The service stops when the engine stops, and `make run` stops when the engine does not
# start or the service does not become ready: a run that answers every call with 503 helps nobody.
set -euo pipefail

: "${PORT:=8080}" "${ADMIN_PORT:=9080}" "${ENGINE_PORT:=8000}" "${DATA_DIR:=.data/dynalite}" "${AUTH:=none}"

taken() {  # whether something accepts connections on localhost:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The command for a second instance: for each port the first one from the next up that is free now
# and not chosen for another (ENGINE_PORT + 1 is dynamodb-admin's by default, so it is skipped).
second_instance() {
  local chosen=" $PORT $ADMIN_PORT $ENGINE_PORT $((ENGINE_PORT + 1)) " name port ports=''
  for name in PORT ADMIN_PORT ENGINE_PORT; do
    port=$(( ${!name} + 1 ))
    while [[ $chosen == *" $port "* ]] || taken "$port"; do port=$((port + 1)); done
    chosen+="$port "
    ports+="$name=$port "
  done
  echo "make run ${ports}DATA_DIR=$DATA_DIR-2"
}

ports() {
  local name port what
  for name in PORT ADMIN_PORT ENGINE_PORT; do
    port=${!name}
    case $name in
      PORT) what="the API" ;;
      ADMIN_PORT) what="the service's health and metrics listener" ;;
      ENGINE_PORT) what="the local engine" ;;
    esac
    if taken "$port"; then
      echo "Port $port ($name, $what) is taken, perhaps by another 'make run': stop that, or run a second instance" \
        "with ports and data of its own: $(second_instance)" >&2
      exit 1
    fi
  done
}

serve() {
  local engine service='' status
  mkdir -p "$DATA_DIR"
  stop_all() {
    if [ -n "$service" ] && kill -0 "$service" 2>/dev/null; then kill -TERM "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; fi
    kill "$engine" 2>/dev/null || true
    wait "$engine" 2>/dev/null || true
  }
  trap stop_all EXIT
  # Ctrl-C reaches every process of the terminal's group: the engine stops by itself, and the
  # service (a background job of this script, so it ignores SIGINT) is told with SIGTERM, which
  # stops it gracefully. Nothing of that is a failure to report.
  local interrupted=''
  trap 'interrupted=1; [ -z "$service" ] || kill -TERM "$service" 2>/dev/null || true' INT TERM
  node local/engine.js --port "$ENGINE_PORT" --path "$DATA_DIR" & engine=$!

  # Listening is not enough (a second engine on the same DATA_DIR listens, then fails every call):
  # wait until it answers a DynamoDB call.
  if ! node scripts/local-check.js engine "http://127.0.0.1:$ENGINE_PORT" 20 "$engine"; then
    [ -z "$interrupted" ] || exit 130
    echo "The local engine did not start (its message is above): nothing was started. Is another engine using" \
      "DATA_DIR=$DATA_DIR? A second instance needs its own: $(second_instance)" >&2
    exit 1
  fi

  local auth_env=()
  if [ "$AUTH" = jwt ]; then
    read -r -a auth_env <<< "$(scripts/dev-auth.sh env)"
  fi
  env "${auth_env[@]}" "$JAVA" $JAVA_OPTS -Dconfig.profile=local -Dserver.port="$PORT" -Dadmin.port="$ADMIN_PORT" \
    -Ddynamodb.endpoint="http://localhost:$ENGINE_PORT" -jar "$SERVICE_JAR" & service=$!

  if node scripts/local-check.js ready "http://127.0.0.1:$ADMIN_PORT/observe/health/ready" 60 "$service"; then
    if [ "$AUTH" = jwt ]; then
      echo "Authentication is ON: /products needs a bearer token. Get one with 'make token' and send it as" \
        "-H \"Authorization: Bearer \$(make -s token)\"" >&2
    else
      echo "Authentication is off (local profile): /products answers without a token. 'make run AUTH=jwt' turns it on." >&2
    fi
  elif [ -n "$interrupted" ]; then
    :  # Ctrl-C while starting: the service is stopping, the loop below waits for it
  elif kill -0 "$service" 2>/dev/null; then
    echo "product-service did not become ready in 60 s (readiness above): stopping it." >&2
    kill -TERM "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
    exit 1
  fi

  while kill -0 "$service" 2>/dev/null; do
    if [ -z "$interrupted" ] && ! kill -0 "$engine" 2>/dev/null; then
      echo "The local engine stopped (its message is above): stopping the service." >&2
      kill -TERM "$service" 2>/dev/null || true
      wait "$service" 2>/dev/null || true
      exit 1
    fi
    sleep 0.5 || true
  done
  status=0
  wait "$service" || status=$?
  service=''
  exit "$status"
}

case "${1:-}" in
  ports) ports ;;
  serve) serve ;;
  *) echo "usage: $0 ports|serve" >&2; exit 2 ;;
esac
