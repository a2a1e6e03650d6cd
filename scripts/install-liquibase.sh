#!/usr/bin/env bash
# Installs real Liquibase 4.28 (npm package `liquibase`, with JDBC drivers) under tools/liquibase,
# plus slf4j-api for its SQLite driver. Tests that compare against Liquibase use it when present.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=tools/liquibase
if [ ! -x "$dest/node_modules/liquibase/dist/liquibase/liquibase" ]; then
  mkdir -p "$dest"
  npm install --silent --prefix "$dest" liquibase@4.28.1 >/dev/null
fi
lib="$dest/node_modules/liquibase/dist/liquibase/lib"
if ! ls "$lib"/slf4j-api*.jar >/dev/null 2>&1; then
  jar=$(ls /usr/share/java/slf4j-api*.jar 2>/dev/null | head -n1 || true)
  if [ -z "$jar" ]; then
    apt-get update -qq >/dev/null && apt-get install -y -qq libslf4j-java >/dev/null
    jar=$(ls /usr/share/java/slf4j-api*.jar | head -n1)
  fi
  cp "$jar" "$lib/"
fi
echo "$dest/node_modules/liquibase/dist/liquibase/liquibase"
