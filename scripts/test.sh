#!/usr/bin/env bash
# The test command: sets up everything the tests need (see setup.sh), then runs the suite.
# Extra arguments go to vitest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-python
echo "[test] npx vitest run $*" >&2
exec npx vitest run "$@"
