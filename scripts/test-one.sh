#!/usr/bin/env bash
# `make test-one`: the tests matching one pattern in one module, with the modules it depends on
# built first. Fails when the pattern matched no test (a typo must not end in BUILD SUCCESS).
#
# Usage: MVN="./mvnw -B" scripts/test-one.sh MODULE 'Class[#method]'
set -euo pipefail

module=$1 pattern=$2
if [ -z "$pattern" ]; then
  echo "Name the test: make test-one TEST=ProductCreateGetTest (or Class#method, or a pattern such as 'Product*'; MODULE=deploy-tests...)" >&2
  exit 1
fi
if [ ! -f "$module/pom.xml" ]; then
  echo "No module '$module': MODULE is one of $(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml | tr '\n' ' ')" >&2
  exit 1
fi

# Surefire's own check would also fail the modules built on the way (-am), where the pattern
# matches nothing by design; so count what ran in the module itself, from its fresh reports.
reports="$module/target/surefire-reports"
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
# shellcheck disable=SC2086  # MVN is a command with its options
$MVN verify -pl "$module" -am -Dtest="$pattern" -Dsurefire.failIfNoSpecifiedTests=false

ran=0
if [ -d "$reports" ]; then
  while IFS= read -r report; do
    count=$(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)".*/\1/p' "$report" | head -n 1)
    ran=$((ran + ${count:-0}))
  done < <(find "$reports" -name 'TEST-*.xml' -newer "$marker")
fi
if [ "$ran" -eq 0 ]; then
  echo "No test in $module matches TEST=$pattern: check the class name (make test-one TEST=ProductListTest)," \
    "or name the module (MODULE=deploy-tests)." >&2
  exit 1
fi
echo "$ran tests of $module ran (TEST=$pattern)."
