#!/usr/bin/env bash
# Idempotent set-up for torch-node on Debian/Ubuntu with Node >= 20:
#   libtorch (apt's libtorch-dev when none is found and we are root), the
#   build tools, npm packages, the native addon and the TypeScript build.
#   --with-python  also installs what the tests and the demo compare against:
#                  python3-torch, python3-torchvision, dataset-fashion-mnist.
# A second run installs and rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_PYTHON=0
for arg in "$@"; do
  case "$arg" in
    --with-python) WITH_PYTHON=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

have_libtorch() {
  [ -n "${LIBTORCH:-}" ] && [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] && return 0
  [ -n "${Torch_DIR:-}" ] && [ -f "$Torch_DIR/TorchConfig.cmake" ] && return 0
  ls /usr/lib/*/cmake/Torch/TorchConfig.cmake >/dev/null 2>&1 && return 0
  local py
  for py in "${TORCH_NODE_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$py" ] || continue
    "$py" -c 'import torch.utils, os, sys; sys.exit(0 if os.path.exists(os.path.join(torch.utils.cmake_prefix_path, "Torch", "TorchConfig.cmake")) else 1)' >/dev/null 2>&1 && return 0
  done
  return 1
}

python_has_torch() { /usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ---- system packages ----------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v ninja >/dev/null || need+=(ninja-build)
have_libtorch || need+=(libtorch-dev)
if [ "$WITH_PYTHON" = 1 ]; then
  python_has_torch || need+=(python3-torch python3-torchvision)
  [ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
fi
if [ "${#need[@]}" -gt 0 ]; then
  if ! apt_install "${need[@]}"; then
    cat >&2 <<MSG
[setup] Missing: ${need[*]}
[setup] Not root (or no apt-get), so nothing was installed. Either:
  - as root: apt-get install ${need[*]}
  - or point the build at a libtorch: LIBTORCH=/path/to/libtorch (an unpacked libtorch
    archive from pytorch.org), Torch_DIR=/path/to/share/cmake/Torch, or a Python with torch
    (TORCH_NODE_PYTHON=/path/to/python3), then run this script again.
MSG
    exit 1
  fi
else
  say "system packages: present"
fi

# Optional: Gloo's headers, for torch.distributed (Debian's libtorch links the same
# libgloo). Without them the addon builds without the Gloo backend.
if [ ! -f /usr/include/gloo/algorithm.h ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt_install libgloo-dev || say "libgloo-dev not installed: torch.distributed's Gloo backend will be unavailable"
fi

# ---- npm packages -----------------------------------------------------------
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "npm install"
  npm install --no-audit --no-fund --loglevel=error
else
  say "npm packages: up to date"
fi

# ---- the addon and the TypeScript build ------------------------------------
say "building the native addon (cmake-js; rebuilds only what changed)"
npx cmake-js build --out build --log-level warn >&2
if [ ! -f dist/index.js ] || [ -n "$(find lib tsconfig.json tsconfig.build.json -newer dist/index.js -print -quit)" ]; then
  say "compiling TypeScript to dist/"
  rm -rf dist
  npx tsc -p tsconfig.build.json || { rm -rf dist; exit 1; }
else
  say "dist/: up to date"
fi
say "ready"
