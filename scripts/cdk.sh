#!/usr/bin/env bash
# Runs the AWS CDK CLI pinned in infra-cdk/package-lock.json (npx --no: never another version)
# in infra-cdk/, for `make synth`, `make diff`, `make infra-deploy` and `make destroy`.
#
# Two things the CLI does badly on its own:
# - Node: the CDK's jsii runtime supports the Node releases 22 and 24. On any other release it
#   prints a 13-line banner on every run; this prints one line instead (and sets the variable
#   jsii reads to silence the banner for that release). On 22 and 24 nothing is printed.
# - Credentials: without them `diff` and `deploy` end with only "Unable to resolve AWS account";
#   this adds one line saying that AWS credentials are needed and how to provide them.
set -euo pipefail

cd "$(dirname "$0")/../infra-cdk"

major=$(node -p 'process.versions.node.split(".")[0]')
case "$major" in
  22|24) ;;
  *)
    echo "cdk: Node $major is not a release the AWS CDK supports (22 or 24); it may work, but upgrade Node." >&2
    export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$major"
    export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="$major"
    export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="$major"
    ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# stdin stays the terminal, so that `deploy` and `destroy` can still ask for confirmation.
# stderr goes through tee (to the terminal and the log), stdout straight to the terminal;
# pipefail makes the pipeline's status the CLI's.
{ npx --no cdk "$@" --no-notices 2>&1 1>&3 3>&- | tee "$log" >&2; } 3>&1 || status=$?
if [ "$status" -ne 0 ] && grep -qiE 'unable to resolve aws account|could not load credentials|need to perform aws calls' "$log"; then
  echo "cdk: this step needs AWS credentials: 'aws sso login --profile NAME' then AWS_PROFILE=NAME (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), with AWS_REGION set." >&2
fi
exit "$status"
