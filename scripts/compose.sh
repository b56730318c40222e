#!/usr/bin/env bash
# Runs Compose for `make up`, `make down` and `make logs`: the command in $COMPOSE if set, else the
# first that works here of `docker compose` (Compose v2), the standalone `docker-compose` (v1) and
# `podman compose`. "Works" means the command answers and the container engine behind it answers
# too: a docker CLI without a daemon next to a working podman picks podman. A $COMPOSE that does not
# work (e.g. 'podman compose' on podman older than 4.7, which has no compose command) is said in one
# line instead of Compose's traceback; `make run` needs no container engine at all.
#
# Usage: compose.sh up|down|logs|config ARGS...     e.g. compose.sh up --build --detach
set -euo pipefail

engine_of() {  # the container engine behind a compose command
  case "$1" in
    podman*) echo podman ;;
    *) echo docker ;;
  esac
}

answers() {  # whether compose command $1 runs here, and (unless only `config` is wanted) its engine does
  local command engine
  read -r -a command <<< "$1"
  "${command[@]}" version >/dev/null 2>&1 || return 1
  [ "$2" = config ] && return 0
  engine=$(engine_of "$1")
  command -v "$engine" >/dev/null && "$engine" info >/dev/null 2>&1
}

wanted=${1:-}
if [ -n "${COMPOSE:-}" ]; then
  read -r -a command <<< "$COMPOSE"
  if ! "${command[@]}" version >/dev/null 2>&1; then
    echo "COMPOSE='$COMPOSE' does not work here ('$COMPOSE version' fails; podman has 'podman compose' from 4.7 on):" \
      "unset COMPOSE to pick one that works, or use 'make run' (no container engine needed)." >&2
    exit 1
  fi
  if [ "$wanted" != config ] && ! answers "$COMPOSE" "$wanted"; then
    engine=$(engine_of "$COMPOSE")
    echo "COMPOSE='$COMPOSE' needs a running $engine ('$engine info' fails: is it installed and started?):" \
      "start it, or use 'make run' (no container engine needed)." >&2
    exit 1
  fi
  compose=("${command[@]}")
else
  compose=()
  for candidate in "docker compose" "docker-compose" "podman compose"; do
    if answers "$candidate" "$wanted"; then
      read -r -a compose <<< "$candidate"
      break
    fi
  done
  if [ "${#compose[@]}" -eq 0 ]; then
    echo "No working Compose here: none of 'docker compose', 'docker-compose' and 'podman compose' runs with a" \
      "container engine that answers ('docker info' / 'podman info'). Start one, set COMPOSE, or use 'make run'" \
      "(no container engine needed)." >&2
    exit 1
  fi
fi

exec "${compose[@]}" "$@"
