#!/usr/bin/env bash
# Lint every shell script the project ships (scripts/**/*.sh, .ci/run, test stubs).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck is not installed (apt-get install -y shellcheck)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.sh' '.ci/run' '**/test/**/stubs/*')
shellcheck -x "${files[@]}"
echo "shellcheck: ${#files[@]} files clean"
