#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer (Helidon 4 needs 21+): JAVA_HOME if it is one, else the
# newest JDK installed (the `java` on PATH, /usr/lib/jvm, macOS and SDKMAN locations).
# Prints one line on stderr and exits 1 when there is none.
set -u

major() {  # major version of the JDK at $1, or 0
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || { echo 0; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]); found = 1 } END { if (!found) print 0 }'
}

if [ -n "${JAVA_HOME:-}" ] && [ "$(major "$JAVA_HOME")" -ge 21 ]; then
  echo "$JAVA_HOME"
  exit 0
fi

candidates=()
if command -v java >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
for home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
  [ -d "$home" ] && candidates+=("$home")
done

best="" best_major=0
for home in "${candidates[@]}"; do
  m=$(major "$home")
  if [ "$m" -gt "$best_major" ]; then best="$home" best_major=$m; fi
done

if [ "$best_major" -ge 21 ]; then
  echo "$best"
  exit 0
fi
echo "No JDK 21+ found: install one (e.g. Temurin 25 from adoptium.net, or 'apt install openjdk-21-jdk') or set JAVA_HOME to it." >&2
exit 1
