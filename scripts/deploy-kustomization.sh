#!/usr/bin/env bash
# Writes the throwaway kustomization that `make render`, `make deploy` and `make undeploy` apply:
# the chosen overlay plus the image. Run by `make deploy-kustomization`.
#
# Usage: scripts/deploy-kustomization.sh DIR OVERLAY IMAGE_NAME VERSION DIGEST_FILE REQUIRE_DIGEST
#   IMAGE_NAME      registry/name (or just name for images loaded into kind/minikube)
#   DIGEST_FILE     written by `make push` (scripts/record-digest.sh): registry/name@sha256:...
#   REQUIRE_DIGEST  1: refuse to go on without a digest for IMAGE_NAME (`make deploy` on aws)
# With a recorded digest for IMAGE_NAME the image is pinned to it; otherwise to the tag VERSION.
set -euo pipefail

dir=$1 overlay=$2 name=$3 version=$4 digest_file=$5 require_digest=$6

if [ ! -d "k8s/overlays/$overlay" ]; then
  echo "No overlay k8s/overlays/$overlay" >&2
  exit 1
fi
if [ "$overlay" = aws ] && [ ! -f k8s/overlays/aws/generated/config.env ]; then
  echo "The aws overlay has no values yet: run 'make k8s-config' after 'make infra-deploy'" \
       "(or, to try it without an account: make k8s-config CDK_OUTPUTS=k8s/overlays/aws/outputs.example.json)" >&2
  exit 1
fi

digest=
if [ -f "$digest_file" ]; then
  recorded=$(cat "$digest_file")
  if [ "${recorded%@*}" = "$name" ]; then
    digest=${recorded#*@}
  fi
fi
if [ -z "$digest" ]; then
  if [ "$require_digest" = 1 ]; then
    echo "No pushed digest recorded for $name: run 'make push REGISTRY=...' first (deploys apply image@sha256:..., never a tag)" >&2
    exit 1
  fi
  case "$version" in *-dirty) echo "warning: image $name:$version holds uncommitted changes" >&2;; esac
fi

mkdir -p "$dir"
{
  echo '# Written by scripts/deploy-kustomization.sh (make deploy-kustomization); not committed.'
  echo 'apiVersion: kustomize.config.k8s.io/v1beta1'
  echo 'kind: Kustomization'
  echo 'resources:'
  echo "  - ../overlays/$overlay"
  echo 'images:'
  echo '  - name: product-service'
  echo "    newName: $name"
  if [ -n "$digest" ]; then
    echo "    digest: $digest"
  else
    echo "    newTag: \"$version\""
  fi
} > "$dir/kustomization.yaml"
