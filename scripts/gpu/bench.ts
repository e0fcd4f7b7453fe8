// GPU side-by-side benchmarks, the torch-node half (scripts/gpu/bench.py is the
// Python half; scripts/gpu-check.sh runs both and prints ratios). Prints one
// JSON line: {"matmul_bf16_ms", "matmul_bf16_tflops", "finetune_ms", "finetune_amp_ms", "finetune_loss"}.
//
//   npx tsx scripts/gpu/bench.ts [--device cuda] [--size 8192] [--steps 50]
//
// matmul: an n x n bfloat16 matmul, timed over many runs after a warm-up.
// finetune: the transfer demo's source CNN (conv-BN-ReLU-pool twice, linear head)
// fine-tuned with its recipe (SGD momentum 0.9, backbone at a 10x smaller rate)
// on a fixed random batch of 256 Fashion-MNIST-shaped images; once in float32,
// once under autocast bfloat16 with GradScaler semantics, as Python's half does.
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}
const device = arg('device', 'cuda');
const size = Number(arg('size', '8192'));
const steps = Number(arg('steps', '50'));
const sync = (): void => {
  if (device.startsWith('cuda')) torch.cuda.synchronize();
};

function timeIt(n: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) torch.scope(fn);
  sync();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) torch.scope(fn);
  sync();
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

class SourceNet extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  head = new nn.Linear(64 * 7 * 7, 2);
  override forward(x: torch.Tensor): torch.Tensor {
    return this.head.call(this.features.call(x).flatten(1));
  }
}

torch.manual_seed(0);
const a = torch.randn([size, size], { device, dtype: 'bfloat16' });
const b = torch.randn([size, size], { device, dtype: 'bfloat16' });
const matmulMs = timeIt(20, () => void a.matmul(b));

function finetune(amp: boolean): { ms: number; loss: number } {
  torch.manual_seed(0);
  const model = new SourceNet().to(device);
  const opt = new optim.SGD([
    { params: model.features.parameters(), lr: 0.001 },
    { params: model.head.parameters(), lr: 0.01 },
  ], { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([256, 1, 28, 28], { device });
  const y = torch.randint(0, 2, [256], { device });
  let loss = 0;
  const step = (): void => {
    opt.zero_grad();
    const out = amp ? torch.autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', { dtype: 'bfloat16' }, () => model.call(x)) : model.call(x);
    const l = nn.functional.cross_entropy(out.float(), y);
    l.backward();
    opt.step();
    loss = l.item();
  };
  const ms = timeIt(steps, step);
  return { ms, loss };
}

const fp32 = finetune(false);
const mixed = finetune(true);
console.log(JSON.stringify({
  matmul_bf16_ms: matmulMs,
  matmul_bf16_tflops: (2 * size ** 3) / (matmulMs / 1e3) / 1e12,
  finetune_ms: fp32.ms,
  finetune_amp_ms: mixed.ms,
  finetune_loss: fp32.loss,
}));
