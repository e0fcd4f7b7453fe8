#!/usr/bin/env bash
# One command for a GPU machine: build the addon against the CUDA libtorch inside
# the machine's PyTorch (torch.utils.cmake_prefix_path), run the CUDA and AMP
# tests on the GPU, then run the same bf16 matmul and the same fine-tuning loop
# in torch-node and in Python PyTorch on the same GPU, and print the ratios.
#
#   bash scripts/gpu-check.sh            # NODE=/path/to/node and PYTHON=python3 may be set
#
# Needs: an NVIDIA GPU and driver, Python with a CUDA PyTorch (2.x), the CUDA
# toolkit that PyTorch's CMake files look for (CUDA_HOME or /usr/local/cuda),
# cmake and a C++17 compiler, Node >= 20, and this checkout's node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE=${NODE:-$(command -v node || true)}
PYTHON=${PYTHON:-python3}
OUT=${TORCH_NODE_GPU_BUILD:-build-gpu}
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'gpu-check: %s\n' "$*" >&2; exit 1; }

step "checking the machine"
[ -n "$NODE" ] && [ -x "$NODE" ] || fail "no node binary (set NODE=/path/to/node)"
"$NODE" -e 'if (+process.versions.node.split(".")[0] < 20) process.exit(1)' || fail "Node >= 20 needed, got $("$NODE" --version)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "(no nvidia-smi)"
"$PYTHON" - <<'PY' || fail "Python's torch has no usable CUDA GPU"
import torch
print('python torch', torch.__version__, 'cuda', torch.version.cuda, 'gpu', torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
assert torch.cuda.is_available()
PY
[ -d node_modules/cmake-js ] && [ -d node_modules/vitest ] || fail "node_modules is missing (run npm ci, or carry node_modules)"
export PATH="$(dirname "$NODE"):$PATH"

step "building the addon against Python's CUDA libtorch into $OUT/"
PREFIX=$("$PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
export CMAKE_PREFIX_PATH="$PREFIX${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export TORCH_NODE_PYTHON="$PYTHON"
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_HOME=/usr/local/cuda; fi
"$NODE" node_modules/cmake-js/bin/cmake-js build --out "$OUT" 2>&1 | tee "$OUT.log" | grep -E 'torch-node|error|Error|warning: .*CUDA|Linking' || true
[ "${PIPESTATUS[0]}" = 0 ] || fail "build failed (full log: $OUT.log)"
export TORCH_NODE_ADDON="$PWD/$OUT/Release/torch_node.node"
"$NODE" --import tsx --input-type=module -e "
  const torch = await import('./lib/index.js');
  if (!torch.cuda.is_available()) { console.error('built addon: torch.cuda.is_available() is false (is_built: ' + torch.cuda.is_built() + ')'); process.exit(1); }
  console.log('torch-node sees', torch.cuda.device_count(), 'GPU(s):', torch.cuda.get_device_name(0));
" || fail "the addon does not see the GPU"

step "CUDA and AMP tests on the GPU"
"$NODE" node_modules/vitest/vitest.mjs run test/cuda test/amp

step "side by side on the same GPU: torch-node vs Python PyTorch"
"$NODE" --import tsx scripts/gpu/bench.ts --device cuda > "$OUT/bench-node.json"
"$PYTHON" scripts/gpu/bench.py --device cuda > "$OUT/bench-python.json"
"$NODE" -e '
  const fs = require("fs");
  const n = JSON.parse(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
  const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8").trim().split("\n").pop());
  const row = (k, what) => console.log(`${what.padEnd(36)} torch-node ${n[k].toFixed(3).padStart(10)}  python ${p[k].toFixed(3).padStart(10)}  ratio ${(n[k] / p[k]).toFixed(3)}`);
  row("matmul_bf16_ms", "bf16 matmul 8192^2 (ms)");
  console.log(`${"bf16 matmul (TFLOP/s)".padEnd(36)} torch-node ${n.matmul_bf16_tflops.toFixed(1).padStart(10)}  python ${p.matmul_bf16_tflops.toFixed(1).padStart(10)}`);
  row("finetune_ms", "fine-tune step, fp32 (ms)");
  row("finetune_amp_ms", "fine-tune step, autocast bf16 (ms)");
  console.log(`final fp32 loss: torch-node ${n.finetune_loss}  python ${p.finetune_loss}`);
' "$OUT/bench-node.json" "$OUT/bench-python.json"
