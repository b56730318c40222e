#!/usr/bin/env bash
# Runs Compose for `make up`, `make down` and `make logs`: the command in $COMPOSE if set, else the
# first that works of `docker compose` (Compose v2, what current Docker installs ship), the
# standalone `docker-compose` (v1), and `podman compose`. Before anything but `config`, it checks that the
# container engine behind it answers, and says in one line what is missing instead of Compose's
# traceback; `make run` needs no container engine at all.
#
# Usage: compose.sh up|down|logs ARGS...     e.g. compose.sh up --build --detach
set -euo pipefail

detect() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif docker-compose version >/dev/null 2>&1; then echo "docker-compose"
  elif podman compose version >/dev/null 2>&1; then echo "podman compose"
  fi
}

read -r -a compose <<< "${COMPOSE:-$(detect)}"
if [ "${#compose[@]}" -eq 0 ]; then
  echo "No Compose found (docker compose, docker-compose or podman compose): install one, or use 'make run' (no container engine needed)." >&2
  exit 1
fi

if [ "${1:-}" != config ]; then
  # Every command but `config` talks to the engine, and Compose reports a missing one with a
  # traceback: ask the engine directly first.
  case "${compose[0]}" in
    podman) engine=podman ;;
    *) engine=docker ;;
  esac
  if ! command -v "$engine" >/dev/null; then
    echo "'${compose[*]}' needs the $engine CLI, which is not installed: install it, or use 'make run' (no container engine needed)." >&2
    exit 1
  fi
  if ! "$engine" info >/dev/null 2>&1; then
    echo "No running container engine ('$engine info' fails: is the daemon started?): start it, or use 'make run' (no container engine needed)." >&2
    exit 1
  fi
fi

exec "${compose[@]}" "$@"
