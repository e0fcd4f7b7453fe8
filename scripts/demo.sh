#!/usr/bin/env bash
# The main job: sets everything up (see setup.sh), then runs the transfer-learning
# demo on Fashion-MNIST in its quick form. Extra arguments go to the demo
# (e.g. `bash scripts/demo.sh --k 10,50,500` for the full run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-python
if [ "$#" -eq 0 ]; then set -- --quick; fi
echo "[demo] npx tsx scripts/transfer-demo.ts $*" >&2
exec npx tsx scripts/transfer-demo.ts "$@"
