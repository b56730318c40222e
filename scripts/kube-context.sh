#!/usr/bin/env bash
# Before `make deploy`, `make rollout` and `make undeploy`: says in one line which cluster kubectl
# would change, or why there is none, instead of kubectl's errors about localhost:8080 (kubectl's
# fallback without a kubeconfig, and `make run`'s own port).
#
# Usage: KUBECTL=kubectl scripts/kube-context.sh
set -euo pipefail

kubectl=${KUBECTL:-kubectl}
if ! command -v "${kubectl%% *}" >/dev/null; then
  echo "kubectl is not installed (1.27+ needed): https://kubernetes.io/docs/tasks/tools/" >&2
  exit 1
fi
if ! context=$($kubectl config current-context 2>/dev/null) || [ -z "$context" ]; then
  echo "kubectl has no current context, so there is no cluster to deploy to: point it at one first" \
    "(on EKS: aws eks update-kubeconfig --name <cluster>; locally: kind or minikube), then retry." >&2
  exit 1
fi
if ! $kubectl version --request-timeout=10s >/dev/null 2>&1; then
  echo "The cluster of kubectl's context '$context' does not answer (kubectl version fails): is it running," \
    "and are your credentials current?" >&2
  exit 1
fi
echo "Kubernetes context: $context" >&2
