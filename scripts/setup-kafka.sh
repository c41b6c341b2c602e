#!/usr/bin/env bash
# npm run setup:kafka: copies Apache Kafka 4.4.0's jars (broker, KRaft storage tool, command-line tools)
# and their dependencies from Maven Central into .kafka/libs with Maven (scripts/kafka/pom.xml), for
# `npm run stack -- --kafka apache`, `npm start -- --kafka apache` and `npm run kafka`. Needs Java 17+ and Maven.
# Idempotent: skipped when .kafka/libs/.pom-stamp matches the pom.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  echo "Usage: npm run setup:kafka [-- --force]"
  echo "Copies Apache Kafka 4.4.0's jars from Maven Central into .kafka/libs (about 55 MB) with mvn dependency:copy-dependencies."
  echo "Skips the work when .kafka/libs already matches scripts/kafka/pom.xml; --force fetches again."
  exit 0
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup:kafka: $tool not found; install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
done
libs=.kafka/libs
stamp=$libs/.pom-stamp
want="$(sha256sum scripts/kafka/pom.xml | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup:kafka: $libs matches scripts/kafka/pom.xml, nothing to do"
  exit 0
fi

started=$SECONDS
rm -rf "$libs"
echo "setup:kafka: fetching Apache Kafka 4.4.0 and its dependencies from Maven Central into $libs ..."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Progress: one dot per artifact Maven downloads (none when ~/.m2 already has them).
if ! mvn -B -f scripts/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$libs" -DincludeScope=runtime 2>&1 \
  | tee "$log" | while IFS= read -r line; do case "$line" in *Downloaded\ from*) printf '.' ;; esac; done; then
  echo >&2
  echo "setup:kafka: Maven failed: $(grep -m1 '\[ERROR\]' "$log" || tail -1 "$log")" >&2
  exit 1
fi
if ! grep -q 'BUILD SUCCESS' "$log"; then
  echo >&2
  echo "setup:kafka: Maven failed: $(grep -m1 '\[ERROR\]' "$log" || tail -1 "$log")" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo
echo "setup:kafka: Apache Kafka 4.4.0 ready in $libs ($(ls "$libs"/*.jar | wc -l) jars, $(du -sh "$libs" | cut -f1)) in $((SECONDS - started)) s"
