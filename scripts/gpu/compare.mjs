// Prints torch-node's and Python's GPU benchmark figures side by side (scripts/gpu-check.sh).
//   node scripts/gpu/compare.mjs '<torch-node JSON>' '<Python JSON>'
// "time ratio" is torch-node's time over Python's for the same work: under 1 is faster.
const [n, p] = process.argv.slice(2).map((s) => JSON.parse(s));
const f = (v, d = 3) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
const rows = [
  ['bf16 matmul 8192^2 (ms)', 'matmul_bf16_ms', false],
  ['bf16 matmul (TFLOP/s)', 'matmul_bf16_tflops', true],
  ['fine-tune step, fp32 (ms)', 'finetune_ms', false],
  ['fine-tune step, autocast bf16 (ms)', 'finetune_amp_ms', false],
  ['fine-tune step, fp16 + GradScaler (ms)', 'finetune_fp16_scaler_ms', false],
  ['ResNet-50 step, fp32 (images/s)', 'resnet50_images_per_s', true],
  ['ResNet-50 step, autocast bf16 (images/s)', 'resnet50_bf16_images_per_s', true],
];
console.log(`${'row'.padEnd(42)} ${'torch-node'.padStart(11)} ${'Python'.padStart(11)}  time ratio`);
for (const [what, key, higherIsBetter] of rows) {
  const a = n[key], b = p[key];
  const ratio = a && b ? (higherIsBetter ? b / a : a / b) : null;
  console.log(`${what.padEnd(42)} ${f(a).padStart(11)} ${f(b).padStart(11)}  ${f(ratio)}`);
}
console.log(`first losses: fine-tune fp32 ${n.finetune_loss} vs ${p.finetune_loss}; ResNet-50 ${n.resnet50_first_loss} vs ${p.resnet50_first_loss}`);
const mb = (xs) => (xs ?? []).map((x) => (x / 2 ** 20).toFixed(1)).join(' ');
console.log(`memory_allocated over the steps (MiB): torch-node ${mb(n.memory_allocated_over_steps)}`);
console.log(`                                       Python     ${mb(p.memory_allocated_over_steps)}`);
