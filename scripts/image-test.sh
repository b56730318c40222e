#!/usr/bin/env bash
# `make image-test`: builds service/Dockerfile as it is and runs the image the way the Deployment
# runs it (read-only root with a writable /tmp, uid 10001, every capability dropped, no privilege
# escalation, the 640 MiB memory limit), against a local engine (dynalite) on this machine. Checks,
# each failing the run:
#   - without its production settings (cursor key, token issuer and audience) the image refuses
#     to start, naming API_CURSOR_SECRET; the runs below use the local overlay's settings;
#   - ready within READY_TIMEOUT seconds of `run`;
#   - the README's curl flow: create, read (and 304), conditional update (and 412), list, delete;
#   - the metrics endpoint;
#   - the image's own HEALTHCHECK command, run inside the container: healthy when ready, unhealthy
#     while DynamoDB is unreachable, healthy again after;
#   - the AOT cache: no rejection message in the log, the JVM starts with -XX:AOTMode=on (which
#     refuses to start without a usable cache), and it is ready faster than with -XX:AOTMode=off;
#   - SIGTERM with requests in flight: they complete with their answers, the JVM exits 0 within
#     GRACE_SECONDS;
# and reports the image size and the timings.
#
# Engine: ENGINE=docker|podman, else docker when its daemon answers, else podman. Podman as root
# runs here with runc and fixed ulimits (docs/TESTING.md, "The container image"). Containers use
# the host network, so the service reaches the engine on 127.0.0.1 and ports come from PORT_BASE up.
# Base images: the Dockerfile's digest-pinned references are pulled; when that fails (no Docker Hub,
# an air-gapped machine) the tags are used as they are, local images or stand-ins built by
# scripts/offline-base-images.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-product-service}"
TAG="${TAG:-image-test}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"       # seconds from `run` to ready: the Deployment's startupProbe allows 60
GRACE_SECONDS="${GRACE_SECONDS:-25}"       # shutdown.grace (20 s) + margin, as compose's stop_grace_period
MEMORY="${MEMORY:-640m}"                   # the Deployment's limit
PORT_BASE="${PORT_BASE:-18150}"
# How long the engine holds the requests in flight at SIGTERM: below the service's DynamoDB attempt
# timeout (dynamodb.timeout.attempt, 1.5 s), so they run with the Deployment's settings and succeed.
HOLD_MS="${HOLD_MS:-1000}"
# Where health and metrics are served: the admin listener (admin.port, ADMIN_PORT in the container),
# on a free port picked below unless OBSERVE_PORT names one.
READY_PATH="${READY_PATH:-/observe/health/ready}"
METRICS_PATH="${METRICS_PATH:-/observe/metrics}"
OBSERVE_PORT="${OBSERVE_PORT:-}"
# Extra `-e NAME=value` settings for every container (e.g. the port of a separate admin listener).
read -r -a EXTRA_ENV <<< "${IMAGE_TEST_ENV:-}"

log() { printf 'image-test: %s\n' "$*" >&2; }
fail() { printf 'image-test: FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- engine ------------------------------------------------------------------------------------
engine="${ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null; then engine=podman
  else fail "no container engine: install Docker (with a running daemon) or Podman"; fi
fi
ENG=("$engine"); BUILD_FLAGS=(); RUN_FLAGS=()
if [ "$engine" = podman ]; then
  # runc: crun fails on hosts with hybrid cgroups; fixed ulimits: raising limits is not permitted
  # in some sandboxes; docker format: OCI images drop HEALTHCHECK.
  command -v runc >/dev/null && ENG+=(--runtime runc)
  # host network for the build too: podman's default build network does not reach Maven Central here.
  BUILD_FLAGS+=(--format docker --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network=host)
  RUN_FLAGS+=(--ulimit nofile=1024:1024 --ulimit nproc=1000:1000)
fi

# --- ports and processes we own ----------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_port() { local p="$1"; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }
engine_port="$(next_port "$PORT_BASE")"
proxy_port="$(next_port $((engine_port + 1)))"
port="$(next_port $((proxy_port + 1)))"
observe_port="${OBSERVE_PORT:-$(next_port $((port + 1)))}"
base="http://127.0.0.1:$port"
observe="http://127.0.0.1:$observe_port"
work="$(mktemp -d)"
containers=()
cleanup() {
  local c
  for c in "${containers[@]}"; do "${ENG[@]}" rm -f "$c" >/dev/null 2>&1 || true; done
  [ -n "${proxy_pid:-}" ] && kill "$proxy_pid" 2>/dev/null
  [ -n "${engine_pid:-}" ] && kill "$engine_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- build -------------------------------------------------------------------------------------
arg_default() { sed -n "s/^ARG $1=//p" service/Dockerfile | head -1; }
build_args=()
for arg in BUILD_IMAGE RUNTIME_IMAGE; do
  ref="$(arg_default "$arg")"
  [ -n "$ref" ] || fail "service/Dockerfile has no ARG $arg=<image>"
  tag="${ref%@*}"
  if timeout 90 "${ENG[@]}" pull -q "$ref" >/dev/null 2>&1; then
    log "$arg: pulled $ref"
    continue
  fi
  if ! "${ENG[@]}" image inspect "$tag" >/dev/null 2>&1; then
    log "$arg: cannot pull $ref; building the air-gapped stand-in $tag"
    scripts/offline-base-images.sh "$engine" "${tag#*:}"
  else
    log "$arg: cannot pull $ref; using the local $tag"
  fi
  build_args+=(--build-arg "$arg=$tag")
done

log "building $IMAGE:$TAG with $engine"
previous_id="$("${ENG[@]}" image inspect --format '{{.Id}}' "$IMAGE:$TAG" 2>/dev/null || true)"
t0="$(now)"
# The AOT training run serves on a port of the build container, which is the host's here.
"${ENG[@]}" build "${BUILD_FLAGS[@]}" "${build_args[@]}" --build-arg TRAINING_PORT="$(next_port $((observe_port + 1)))" \
  --build-arg TRAINING_ADMIN_PORT="$(next_port $((observe_port + 2)))" -f service/Dockerfile -t "$IMAGE:$TAG" . >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; fail "image build failed"; }
build_seconds="$(elapsed "$t0" "$(now)")"
# The image this run replaced would stay behind untagged, one per code change; the build cache stays.
if [ -n "$previous_id" ] && [ "$previous_id" != "$("${ENG[@]}" image inspect --format '{{.Id}}' "$IMAGE:$TAG")" ]; then
  "${ENG[@]}" rmi "$previous_id" >/dev/null 2>&1 || true
fi
image_bytes="$("${ENG[@]}" image inspect --format '{{.Size}}' "$IMAGE:$TAG")"

# --- local engine, behind the proxy that can hold requests -------------------------------------
node local/engine.js --port "$engine_port" >"$work/engine.log" 2>&1 & engine_pid=$!
node scripts/slow-engine-proxy.js --port "$proxy_port" --target "http://127.0.0.1:$engine_port" \
  --delay-ms "$HOLD_MS" >"$work/proxy.log" 2>&1 & proxy_pid=$!
for _ in $(seq 100); do
  grep -q listening "$work/engine.log" && grep -q listening "$work/proxy.log" && break; sleep 0.1
done
grep -q listening "$work/engine.log" && grep -q listening "$work/proxy.log" \
  || fail "local engine did not start (make engine-deps?): $(cat "$work/engine.log" "$work/proxy.log")"

# The image's JVM options, so a run can add one without dropping them.
image_java_opts="$("${ENG[@]}" image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE:$TAG" \
  | sed -n 's/^JDK_JAVA_OPTIONS=//p')"

# start NAME [JDK_JAVA_OPTIONS]: runs the image as the Deployment does; sets ready_seconds. Not
# called in a subshell, so that `containers` keeps the name for the cleanup.
# --no-healthcheck: the engine's own scheduler (systemd timers for podman) is not needed; the test
# runs the image's HEALTHCHECK command itself.
start() {
  local name="$1" opts="${2:-$image_java_opts}" t0
  ready_seconds=""
  containers+=("$name")
  t0="$(now)"
  "${ENG[@]}" run -d --name "$name" "${RUN_FLAGS[@]}" --network=host --no-healthcheck \
    --read-only --tmpfs /tmp:rw,size=64m,mode=1777 \
    --user 10001:10001 --cap-drop=ALL --security-opt no-new-privileges \
    --memory "$MEMORY" --memory-swap "$MEMORY" \
    -e SERVER_PORT="$port" -e ADMIN_PORT="$observe_port" -e DYNAMODB_ENDPOINT="http://127.0.0.1:$proxy_port" -e DYNAMODB_REGION=us-east-1 \
    -e DYNAMODB_AUTOCREATE=true -e LOG_FORMAT=text -e JDK_JAVA_OPTIONS="$opts" \
    -e AUTH_MODE=none -e API_CURSOR_SECRET=image-test-cursor-key-not-a-secret "${EXTRA_ENV[@]/#/-e}" \
    "$IMAGE:$TAG" >/dev/null
  while [ "$(elapsed "$t0" "$(now)" | cut -d. -f1)" -lt "$READY_TIMEOUT" ]; do
    if curl -fsS -o /dev/null --max-time 1 "$observe$READY_PATH" 2>/dev/null; then ready_seconds="$(elapsed "$t0" "$(now)")"; break; fi
    [ "$("${ENG[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.05
  done
  if [ -z "$ready_seconds" ]; then
    "${ENG[@]}" logs "$name" 2>&1 | tail -30 >&2
    fail "$name not ready within ${READY_TIMEOUT}s"
  fi
}
stop() { "${ENG[@]}" rm -f "$1" >/dev/null; }

# req METHOD PATH [curl args...]: sets status, headers and body of the answer.
req() {
  local method="$1" path="$2"; shift 2
  status="$(curl -sS -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 10 "$@" "$base$path")"
  body="$(cat "$work/body")"; headers="$(tr -d '\r' < "$work/headers")"
}
header() { printf '%s\n' "$headers" | sed -n "s/^$1: //Ip" | tail -1; }
expect() { [ "$status" = "$1" ] || fail "$2: expected $1, got $status: $body"; }
json() { node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); const r = eval("v" + process.argv[1]); console.log(typeof r === "string" ? r : JSON.stringify(r))' "$1" <<< "$body"; }

# --- secure by default: no production setting, no start ----------------------------------------
# The image's own configuration is production's: without a cursor key (and an issuer and audience
# for the default auth.mode jwt) it must stop at once, naming what is missing, and never serve.
log "starting without production settings (must be refused)"
set +e
refused="$(timeout 60 "${ENG[@]}" run --rm "${RUN_FLAGS[@]}" --network=host --read-only --user 10001:10001 --cap-drop=ALL \
  -e SERVER_PORT="$port" -e ADMIN_PORT="$observe_port" "$IMAGE:$TAG" 2>&1)"
refused_status=$?
set -e
[ "$refused_status" -ne 0 ] && [ "$refused_status" -ne 124 ] \
  || fail "the image started without API_CURSOR_SECRET, AUTH_ISSUER, AUTH_AUDIENCE (exit $refused_status)"
grep -q "cannot start: api.cursor.secret is not set: set API_CURSOR_SECRET" <<< "$refused" \
  || fail "the refusal does not name API_CURSOR_SECRET: $(tail -5 <<< "$refused")"
log "refused without production settings (exit $refused_status), naming API_CURSOR_SECRET"

# --- the Deployment's way, the README's flow ---------------------------------------------------
# With the local overlay's settings: no token issuer, a fixed development cursor key.
main="product-service-image-test-$$"
start "$main"; ready_main="$ready_seconds"
log "ready ${ready_main}s after run (read-only, uid 10001, no capabilities, memory $MEMORY)"
[ "$("${ENG[@]}" exec "$main" id -u)" = 10001 ] || fail "the container does not run as uid 10001"
[ "$("${ENG[@]}" inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$main")" = true ] || fail "the root filesystem is writable"

req POST /products -H 'Content-Type: application/json' -d '{"name": "Book", "description": "Another paper thing"}'
expect 201 "create"
id="$(json .id)"; location="$(header Location)"; etag="$(header ETag)"
[ "$(json .name)/$(json .description)/$(json .version)" = "Book/Another paper thing/1" ] || fail "create answered $body"
[ "$etag" = '"1"' ] || fail "create: ETag $etag"
case "$location" in */products/"$id") ;; *) fail "create: Location $location";; esac
created="$body"

req GET "/products/$id"; expect 200 "read"
[ "$body" = "$created" ] || fail "read: $body, created: $created"
req GET "/products/$id" -H 'If-None-Match: "1"'; expect 304 "read with If-None-Match"

req PUT "/products/$id" -H 'Content-Type: application/json' -H 'If-Match: "1"' -d '{"name": "Book", "description": "Hardcover"}'
expect 200 "conditional update"
[ "$(json .description)/$(json .version)/$(header ETag)" = 'Hardcover/2/"2"' ] || fail "update answered $body"
req PUT "/products/$id" -H 'Content-Type: application/json' -H 'If-Match: "1"' -d '{"name": "Book", "description": "Stale"}'
expect 412 "update with a stale If-Match"
[ "$(header Content-Type)" = application/problem+json ] || fail "412 is not problem+json: $headers"

req GET '/products?name=Book&limit=10'; expect 200 "list by name"
[ "$(json '.items.map(p => p.id).join()')" = "$id" ] || fail "list by name: $body"
req GET '/products?limit=100'; expect 200 "list"
[ "$(json '.items.length')" = 1 ] && [ "$(json '.items[0].description')" = Hardcover ] || fail "list: $body"

req DELETE "/products/$id" -H 'If-Match: "2"'; expect 204 "delete"
req GET "/products/$id"; expect 404 "read after delete"
log "README flow: create, read, 304, conditional update, 412, list, delete, 404"

curl -fsS --max-time 5 "$observe$METRICS_PATH" > "$work/metrics" || fail "GET $METRICS_PATH"
grep -q '^http_server_requests_seconds_count' "$work/metrics" || fail "$METRICS_PATH has no http_server_requests_seconds: $(head -5 "$work/metrics")"
log "metrics: $(grep -c '^[a-z]' "$work/metrics") samples"

# The HEALTHCHECK as the image declares it (docker format), run where the engine would run it.
healthcheck="$("${ENG[@]}" image inspect --format '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}' "$IMAGE:$TAG")"
[ -n "$healthcheck" ] && [ "$healthcheck" != null ] || fail "the image has no HEALTHCHECK (podman: build with --format docker)"
mapfile -t hc < <(node -e 'const t = JSON.parse(process.argv[1]); if (t[0] === "CMD-SHELL") console.log("sh\n-c\n" + t[1]); else t.slice(1).forEach(a => console.log(a))' "$healthcheck")
"${ENG[@]}" exec "$main" "${hc[@]}" || fail "HEALTHCHECK ${hc[*]} failed on a ready service"
# healthcheck_becomes 0|1: waits (20 s at most) until the command's exit status is 0 (healthy) or not.
healthcheck_becomes() {
  local want="$1" t0 got; t0="$(now)"
  while [ "$(elapsed "$t0" "$(now)" | cut -d. -f1)" -lt 20 ]; do
    if "${ENG[@]}" exec "$main" "${hc[@]}" >/dev/null 2>&1; then got=0; else got=1; fi
    [ "$got" = "$want" ] && return 0
    sleep 0.25
  done
  return 1
}
curl -fsS -d true "http://127.0.0.1:$proxy_port/__down" >/dev/null
healthcheck_becomes 1 || fail "HEALTHCHECK ${hc[*]} stayed healthy with DynamoDB unreachable"
curl -fsS -d false "http://127.0.0.1:$proxy_port/__down" >/dev/null
healthcheck_becomes 0 || fail "HEALTHCHECK ${hc[*]} did not recover once DynamoDB was back"
log "HEALTHCHECK ${hc[*]}: healthy; unhealthy while DynamoDB was unreachable; healthy again"

# --- SIGTERM with requests in flight -----------------------------------------------------------
req POST /products -H 'Content-Type: application/json' -d '{"name": "In flight", "description": "at SIGTERM"}'
expect 201 "create for the shutdown check"
slow_id="$(json .id)"; slow_body="$body"
curl -fsS -d "$slow_id" "http://127.0.0.1:$proxy_port/__marker" >/dev/null
curls=()
for i in 1 2 3 4; do
  curl -sS -o "$work/inflight-$i" -w '%{http_code}' --max-time 30 "$base/products/$slow_id" >"$work/inflight-$i.status" 2>&1 &
  curls+=($!)
done
for _ in $(seq 100); do [ "$(curl -fsS "http://127.0.0.1:$proxy_port/__marker")" -ge 4 ] && break; sleep 0.05; done
[ "$(curl -fsS "http://127.0.0.1:$proxy_port/__marker")" -ge 4 ] || fail "the requests did not reach the engine"
t0="$(now)"
"${ENG[@]}" kill --signal TERM "$main" >/dev/null
exit_code="$(timeout "$GRACE_SECONDS" "${ENG[@]}" wait "$main")" || fail "no exit within ${GRACE_SECONDS}s of SIGTERM"
exit_seconds="$(elapsed "$t0" "$(now)")"
wait "${curls[@]}" || true  # their answers are checked below
for i in 1 2 3 4; do
  [ "$(cat "$work/inflight-$i.status")" = 200 ] && [ "$(cat "$work/inflight-$i")" = "$slow_body" ] \
    || fail "in-flight request $i at SIGTERM: $(cat "$work/inflight-$i.status") $(cat "$work/inflight-$i")"
done
[ "$exit_code" = 0 ] || { "${ENG[@]}" logs "$main" 2>&1 | tail -20 >&2; fail "exit code $exit_code after SIGTERM"; }
curl -fsS -d '' "http://127.0.0.1:$proxy_port/__marker" >/dev/null
log "SIGTERM with 4 requests in flight: all answered 200, exit 0 after ${exit_seconds}s"

# --- the AOT cache -----------------------------------------------------------------------------
"${ENG[@]}" logs "$main" >"$work/main.log" 2>&1
stop "$main"
# JDK 25 reports a cache it cannot use as an [aot] or [cds] warning or error (e.g. "An error has
# occurred while processing the AOT cache", "Unable to use AOT cache", "Mismatched values"). Not a
# rejection: the occasional pair about one code adapter it regenerates (docs/PERFORMANCE.md).
if grep -E '\[(warning|error) *\]\[(aot|cds)|AOT cache|shared archive' "$work/main.log" \
   | grep -vE "Saved blob's name '.*' is different from the expected name|Failed to link AdapterHandlerEntry" >&2; then
  fail "the JVM reported a problem with the AOT cache (above)"
fi
aot_on=("$ready_main")
aot_off=()
for round in 1 2; do
  start "aot-on-$round-$$" "$image_java_opts -XX:AOTMode=on"; aot_on+=("$ready_seconds"); stop "aot-on-$round-$$"
  start "aot-off-$round-$$" "$image_java_opts -XX:AOTMode=off"; aot_off+=("$ready_seconds"); stop "aot-off-$round-$$"
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
best_on="$(best "${aot_on[@]}")"; best_off="$(best "${aot_off[@]}")"
awk -v on="$best_on" -v off="$best_off" 'BEGIN { exit !(on < off) }' \
  || fail "not faster with the AOT cache: ready ${aot_on[*]}s with it, ${aot_off[*]}s with -XX:AOTMode=off"
log "AOT cache used (AOTMode=on starts; no warning): ready ${aot_on[*]}s with it, ${aot_off[*]}s without"

cat <<EOF
image-test: PASS ($engine)
  image            $IMAGE:$TAG, $(awk -v b="$image_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') ($image_bytes bytes)
  build            ${build_seconds}s
  ready after run  ${ready_main}s (best with AOT cache ${best_on}s, -XX:AOTMode=off ${best_off}s)
  SIGTERM          exit 0 after ${exit_seconds}s with 4 requests in flight
EOF
