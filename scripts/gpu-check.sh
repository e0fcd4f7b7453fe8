#!/usr/bin/env bash
# One command for a GPU machine: build the addon against the CUDA libtorch inside the
# machine's PyTorch (torch.utils.cmake_prefix_path), run the CUDA, AMP and GPU parity
# tests with Python PyTorch on the same GPU as the oracle, then run the same programs
# (bf16 matmul, the transfer demo's fine-tuning step in fp32 / bf16 autocast / fp16 with
# GradScaler, ResNet-50 fine-tuning at batch 64, memory over 200 steps) in torch-node
# and in Python side by side, and print the ratios.
#
#   bash scripts/gpu-check.sh                  # NODE=/path/to/node and PYTHON=python3 may be set
#   bash scripts/gpu-check.sh --rehearse       # on a machine without a GPU: every step runs,
#                                              # CUDA parts report "no GPU" (small sizes)
#
# Everything goes to $GPU_CHECK_OUT (default $OUT, else gpu-check-out/): gpu-check.log and
# gpu-check.json, written after each phase so a run that is cut off still leaves both.
#
# Needs: Python with PyTorch (CUDA 2.x for the real run), cmake, a C++17 compiler, the
# CUDA toolkit PyTorch's CMake files look for (CUDA_HOME or /usr/local/cuda), Node >= 20,
# and node_modules: either this checkout's, or the carried pack that
# scripts/gpu/pack.sh makes (.gpu/node.xz and .gpu/node_modules.tar.xz), unpacked here.
set -uo pipefail
cd "$(dirname "$0")/.."

REHEARSE=0
[ "${1:-}" = "--rehearse" ] && REHEARSE=1
RESULTS=${GPU_CHECK_OUT:-${OUT:-gpu-check-out}}
mkdir -p "$RESULTS"
LOG="$RESULTS/gpu-check.log"
JSON="$RESULTS/gpu-check.json"
: >"$LOG"
T0=$(date +%s)
step() { printf '\n== [%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" | tee -a "$LOG"; }
run() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }
PYTHON=${PYTHON:-python3}

# ---- Node and node_modules (carried when the machine has none) ----------------------
step "node and node_modules"
if [ -z "${NODE:-}" ] && [ -f .gpu/node.xz ]; then
  mkdir -p /tmp/torch-node-gpu
  if command -v xz >/dev/null; then xz -dc .gpu/node.xz >/tmp/torch-node-gpu/node
  else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' .gpu/node.xz /tmp/torch-node-gpu/node; fi
  chmod +x /tmp/torch-node-gpu/node
  NODE=/tmp/torch-node-gpu/node
fi
NODE=${NODE:-$(command -v node || true)}
if [ ! -d node_modules/vitest ] && [ -f .gpu/node_modules.tar.xz ]; then
  if command -v xz >/dev/null; then xz -dc .gpu/node_modules.tar.xz | tar -xf -
  else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' .gpu/node_modules.tar.xz | tar -xf -; fi
fi
[ -n "$NODE" ] && [ -x "$NODE" ] || { echo "gpu-check: no node binary (set NODE=/path/to/node)" | tee -a "$LOG"; exit 1; }
[ -d node_modules/cmake-js ] && [ -d node_modules/vitest ] || { echo "gpu-check: node_modules is missing (npm ci, or carry .gpu/)" | tee -a "$LOG"; exit 1; }
export PATH="$(dirname "$NODE"):$PATH"
run "$NODE" --version

# gpu-check.json: one object, rewritten after each phase.
"$NODE" -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({phase: "started"}, null, 1) + "\n")' "$JSON"
record() { # record KEY JSON-VALUE
  "$NODE" -e '
    const fs = require("fs"); const [file, key, value] = process.argv.slice(1);
    const o = JSON.parse(fs.readFileSync(file, "utf8")); o[key] = JSON.parse(value); o.seconds = Math.round((Date.now() / 1000) - Number(process.env.T0));
    fs.writeFileSync(file, JSON.stringify(o, null, 1) + "\n");' "$JSON" "$1" "$2"
}
export T0

# ---- the machine -----------------------------------------------------------------------
step "the machine"
command -v nvidia-smi >/dev/null && run nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
MACHINE=$("$PYTHON" - <<'PY' 2>>"$LOG"
import json, torch
d = {'python_torch': torch.__version__, 'cuda': torch.version.cuda, 'cudnn': torch.backends.cudnn.version(),
     'gpu': torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
     'gpu_memory_gib': round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1) if torch.cuda.is_available() else None}
print(json.dumps(d))
PY
)
echo "$MACHINE" | tee -a "$LOG"
record machine "${MACHINE:-null}"
HAS_GPU=$(echo "$MACHINE" | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s||"{}").gpu ? 1 : 0))')
if [ "$HAS_GPU" != 1 ] && [ "$REHEARSE" != 1 ]; then
  echo "gpu-check: Python's torch sees no CUDA GPU (use --rehearse to run the steps without one)" | tee -a "$LOG"
  exit 1
fi

# ---- build ---------------------------------------------------------------------------------
BUILD=build-gpu
step "building the addon against Python's libtorch into $BUILD/"
PREFIX=$("$PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
export CMAKE_PREFIX_PATH="$PREFIX${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export TORCH_NODE_PYTHON="$(command -v "$PYTHON")"
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_HOME=/usr/local/cuda; fi
[ -n "${CUDA_HOME:-}" ] && export PATH="$CUDA_HOME/bin:$PATH"
BUILD_VARIANT=full
B0=$(date +%s)
if ! run "$NODE" node_modules/cmake-js/bin/cmake-js build --out "$BUILD" --log-level warn --parallel "$(nproc)"; then
  # Keep going with what can be built: the CUDA checks don't need torch.distributed.
  echo "gpu-check: the full build failed (errors above); retrying without torch.distributed (TN_FORCE_NO_C10D)" | tee -a "$LOG"
  BUILD_VARIANT=no-c10d
  if ! run "$NODE" node_modules/cmake-js/bin/cmake-js build --out "$BUILD" --log-level warn --parallel "$(nproc)" --CDCMAKE_CXX_FLAGS=-DTN_FORCE_NO_C10D; then
    BUILD_VARIANT=failed
  fi
fi
record build "{\"variant\": \"$BUILD_VARIANT\", \"seconds\": $(( $(date +%s) - B0 ))}"
if [ "$BUILD_VARIANT" != full ] && [ -n "${OUT:-}" ]; then
  # The headers this build failed against, so the errors can be fixed on a machine without a GPU.
  tar -C "$PREFIX/../.." -cf - include 2>/dev/null | xz -T0 -6 | split -b 15m - "$RESULTS/torch-include.tar.xz."
fi
[ "$BUILD_VARIANT" = failed ] && { echo "gpu-check: the build failed" | tee -a "$LOG"; exit 1; }
export TORCH_NODE_ADDON="$PWD/$BUILD/Release/torch_node.node"

step "what the addon sees"
SEES=$("$NODE" --import tsx --input-type=module -e "
  const torch = await import('./lib/index.js');
  console.log(JSON.stringify({ is_built: torch.cuda.is_built(), is_available: torch.cuda.is_available(),
    device_count: torch.cuda.device_count(), name: torch.cuda.is_available() ? torch.cuda.get_device_name(0) : null,
    mem_get_info: torch.cuda.is_available() ? torch.cuda.mem_get_info() : null }));
" 2>>"$LOG")
echo "$SEES" | tee -a "$LOG"
record addon "${SEES:-null}"

# ---- tests ----------------------------------------------------------------------------------
vitest_counts() { # the summary reporter's closing line as JSON, or null
  local line
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -1)
  [ -n "$line" ] && echo "$line" | sed -E 's/([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/{"passed": \1, "failed": \2, "skipped": \3}/' || echo null
}
step "CUDA, AMP and GPU parity tests (Python $("$PYTHON" -c 'import torch; print(torch.__version__)') as the oracle)"
"$NODE" node_modules/vitest/vitest.mjs run test/cuda test/amp 2>&1 | tee -a "$LOG" >"$RESULTS/.cuda-tests.txt"
record cuda_tests "$(vitest_counts "$RESULTS/.cuda-tests.txt")"

# ---- side by side ------------------------------------------------------------------------------
if [ "$HAS_GPU" = 1 ]; then BENCH_ARGS=(--device cuda); else BENCH_ARGS=(--device cpu --size 512 --steps 2 --resnet-steps 1 --resnet-batch 2 --memory-steps 10); fi
step "side by side: torch-node (${BENCH_ARGS[*]})"
NODE_BENCH=$("$NODE" --import tsx scripts/gpu/bench.ts "${BENCH_ARGS[@]}" 2>>"$LOG" | tail -1)
echo "$NODE_BENCH" | tee -a "$LOG"
record bench_torch_node "${NODE_BENCH:-null}"
step "side by side: Python"
PY_BENCH=$("$PYTHON" scripts/gpu/bench.py "${BENCH_ARGS[@]}" 2>>"$LOG" | tail -1)
echo "$PY_BENCH" | tee -a "$LOG"
record bench_python "${PY_BENCH:-null}"
if [ -n "$NODE_BENCH" ] && [ -n "$PY_BENCH" ]; then
  "$NODE" scripts/gpu/compare.mjs "$NODE_BENCH" "$PY_BENCH" | tee -a "$LOG"
fi

# ---- libtorch 2.x on this machine: the core suite's bridge, nn, optim and serialization ------------
step "core tests against this libtorch (time-boxed to ${CORE_TESTS_SECONDS:=240} s)"
timeout "$CORE_TESTS_SECONDS" "$NODE" node_modules/vitest/vitest.mjs run test/ops_parity.test.ts test/tensor.test.ts test/nn test/optim test/serialization.load.test.ts test/jit 2>&1 | tee -a "$LOG" >"$RESULTS/.core-tests.txt"
record core_tests "$(vitest_counts "$RESULTS/.core-tests.txt")"
rm -f "$RESULTS/.cuda-tests.txt" "$RESULTS/.core-tests.txt"
step "done"
record phase '"done"'
