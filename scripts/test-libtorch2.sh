#!/usr/bin/env bash
# The suite against libtorch 2.x: Debian trixie's libtorch 2.6 and python3-torch 2.6 (the
# oracle there), in a trixie root made once with mmdebstrap (cached, idempotent: a second
# run reuses the root and rebuilds only what changed). Needs root (mmdebstrap, chroot,
# mounts) and this checkout's node_modules (scripts/setup.sh makes them).
#
#   bash scripts/test-libtorch2.sh               # build against 2.6, run the whole suite
#   bash scripts/test-libtorch2.sh test/nn       # extra arguments go to vitest
#   bash scripts/test-libtorch2.sh --run 'python3 scripts/fixtures/torch2.py'   # a command in the root
#
# TORCH_NODE_TRIXIE_ROOT picks the root's folder (default /var/cache/torch-node/trixie).
# The addon is built into build-libtorch2/ beside the bookworm build/; the checkout is
# bind-mounted into the root in a private mount namespace, so nothing stays mounted.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${TORCH_NODE_TRIXIE_ROOT:-/var/cache/torch-node/trixie}
# What the root holds: the libtorch and the Python torch to test against, the build tools,
# Node 20, and what the distributed and safetensors tests compare with.
PACKAGES=libtorch-dev,python3-torch,python3-torchvision,libgloo-dev,python3-safetensors,nodejs,cmake,g++,ninja-build,procps
say() { printf '\033[1m[libtorch2]\033[0m %s\n' "$*" >&2; }

RUN=""
if [ "${1:-}" = "--run" ]; then
  RUN=${2:?--run needs a command}
  shift 2
fi

if [ "$(id -u)" != 0 ]; then
  say "needs root (mmdebstrap, chroot and mounts); run it as root"
  exit 1
fi
[ -d node_modules/vitest ] || { say "node_modules is missing: run bash scripts/setup.sh first"; exit 1; }

# ---- the trixie root, made once ------------------------------------------------
if [ ! -f "$ROOT/.torch-node-packages" ] || [ "$(cat "$ROOT/.torch-node-packages")" != "$PACKAGES" ]; then
  if ! command -v mmdebstrap >/dev/null; then
    say "apt-get install mmdebstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  fi
  say "making a Debian trixie root in $ROOT (libtorch 2.6, python3-torch 2.6; a few minutes, once)"
  rm -rf "$ROOT.tmp"
  mkdir -p "$(dirname "$ROOT")"
  mmdebstrap --quiet --variant=apt --include="$PACKAGES" trixie "$ROOT.tmp"
  echo "$PACKAGES" >"$ROOT.tmp/.torch-node-packages"
  rm -rf "$ROOT"
  mv "$ROOT.tmp" "$ROOT"
else
  say "trixie root: present ($ROOT)"
fi

# ---- build and test inside it ------------------------------------------------
VITEST_ARGS=$(printf '%q ' "$@")
REPO=$PWD
DATASETS=/usr/share/datasets
export ROOT REPO DATASETS VITEST_ARGS RUN
# A private mount namespace: the mounts go away with this process, whatever happens.
exec unshare --mount --propagation private bash -euo pipefail -c '
  mkdir -p "$ROOT/repo" "$ROOT/proc" "$ROOT/dev" "$ROOT/tmp"
  mount -t proc proc "$ROOT/proc"
  mount --bind /dev "$ROOT/dev"
  mount --bind "$REPO" "$ROOT/repo"
  if [ -d "$DATASETS" ]; then mkdir -p "$ROOT$DATASETS"; mount --bind "$DATASETS" "$ROOT$DATASETS"; fi
  in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 CI="${CI:-}" bash -euo pipefail -c "cd /repo && $1"; }
  in_root "printf \"[libtorch2] libtorch-dev %s, Python torch %s, Node %s\\n\" \"\$(dpkg-query -W libtorch-dev | cut -f2)\" \"\$(python3 -c \"import torch; print(torch.__version__)\" 2>/dev/null | tail -1)\" \"\$(node --version)\" >&2"
  if [ -n "$RUN" ]; then in_root "$RUN"; exit; fi
  printf "\033[1m[libtorch2]\033[0m %s\n" "building the addon against libtorch 2.6 into build-libtorch2/" >&2
  in_root "node node_modules/cmake-js/bin/cmake-js build --out build-libtorch2 --log-level warn >&2"
  printf "\033[1m[libtorch2]\033[0m %s\n" "vitest run $VITEST_ARGS(Python torch 2.6 as the oracle)" >&2
  in_root "TORCH_NODE_ADDON=/repo/build-libtorch2/Release/torch_node.node TORCH_NODE_PYTHON=/usr/bin/python3 node node_modules/vitest/vitest.mjs run $VITEST_ARGS"
'
