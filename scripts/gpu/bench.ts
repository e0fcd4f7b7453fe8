// GPU side-by-side benchmarks, the torch-node half (scripts/gpu/bench.py is the
// Python half, the same programs line for line; scripts/gpu-check.sh runs both and
// prints ratios). Prints one JSON line with every figure.
//
//   npx tsx scripts/gpu/bench.ts [--device cuda] [--size 8192] [--steps 50] [--resnet-steps 30] [--memory-steps 200]
//
// - matmul: an n x n bfloat16 matmul, timed over many runs after a warm-up (TFLOP/s).
// - finetune: the transfer demo's source CNN (conv-BN-ReLU-pool twice, linear head)
//   fine-tuned with its recipe (SGD momentum 0.9, backbone at a 10x smaller rate) on a
//   fixed batch of 256 Fashion-MNIST-shaped images: float32; autocast bfloat16; autocast
//   float16 with GradScaler.
// - resnet50: torchvision's ResNet-50 fine-tuned at batch 64, 224x224, SGD momentum
//   0.9: float32 and autocast bfloat16, in images/s.
// - memory: torch.cuda.memory_allocated() sampled over --memory-steps fine-tuning steps.
// Each step is written as a user writes it; torch-node's loop frees each step's
// tensors with torch.scope, as the README shows.
import { parseArgs } from 'node:util';
import * as torch from '../../lib/index.js';
import { models, nn, optim } from '../../lib/index.js';

const { values: opts } = parseArgs({
  options: {
    device: { type: 'string', default: 'cuda' },
    size: { type: 'string', default: '8192' },
    steps: { type: 'string', default: '50' },
    'resnet-steps': { type: 'string', default: '30' },
    'resnet-batch': { type: 'string', default: '64' },
    'memory-steps': { type: 'string', default: '200' },
  },
});
const device = opts.device!;
const size = Number(opts.size);
const steps = Number(opts.steps);
const resnetSteps = Number(opts['resnet-steps']);
const resnetBatch = Number(opts['resnet-batch']);
const memorySteps = Number(opts['memory-steps']);
const onCuda = device.startsWith('cuda');
const autocastDevice = onCuda ? 'cuda' : 'cpu';
const sync = (): void => {
  if (onCuda) torch.cuda.synchronize();
};

function timeIt(n: number, fn: () => void, warmup = 3): number {
  for (let i = 0; i < warmup; i++) torch.scope(fn);
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

type Precision = 'fp32' | 'bf16' | 'fp16-scaler';

/** One fine-tuning step of `model` on (x, y) in the given precision; returns the loss tensor. */
function makeStep(model: nn.Module, opt: optim.Optimizer, x: torch.Tensor, y: torch.Tensor, precision: Precision): () => torch.Tensor {
  const scaler = precision === 'fp16-scaler' ? new torch.amp.GradScaler(autocastDevice) : null;
  return () => {
    opt.zero_grad();
    const out = precision === 'fp32'
      ? model.call(x)
      : torch.autocast(autocastDevice, { dtype: precision === 'bf16' ? 'bfloat16' : 'float16' }, () => model.call(x));
    const l = nn.functional.cross_entropy(out.float(), y);
    if (scaler) {
      scaler.scale(l).backward();
      scaler.step(opt);
      scaler.update();
    } else {
      l.backward();
      opt.step();
    }
    return l;
  };
}

function finetune(precision: Precision): { ms: number; loss: number } {
  torch.manual_seed(0);
  const model = new SourceNet().to(device);
  const opt = new optim.SGD([
    { params: model.features.parameters(), lr: 0.001 },
    { params: model.head.parameters(), lr: 0.01 },
  ], { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([256, 1, 28, 28], { device });
  const y = torch.randint(0, 2, [256], { device });
  const step = makeStep(model, opt, x, y, precision);
  let loss = 0;
  const ms = timeIt(steps, () => void (loss = step().item()));
  return { ms, loss };
}

function resnet50(precision: Precision): { ms: number; imagesPerSecond: number; firstLoss: number; memory: number[] } {
  torch.manual_seed(0);
  const model = models.resnet50({ num_classes: 10 }).to(device);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([resnetBatch, 3, 224, 224], { device });
  const y = torch.randint(0, 10, [resnetBatch], { device });
  const step = makeStep(model, opt, x, y, precision);
  const firstLoss = torch.scope(() => step().item());
  const memory: number[] = [];
  const ms = timeIt(resnetSteps, () => {
    step();
  }, 2);
  memory.push(onCuda ? torch.cuda.memory_allocated() : 0);
  return { ms, imagesPerSecond: (resnetBatch * 1000) / ms, firstLoss, memory };
}

/** memory_allocated() every memorySteps/10 steps of the small fine-tuning loop. */
function memoryOverSteps(): number[] {
  torch.manual_seed(0);
  const model = new SourceNet().to(device);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([256, 1, 28, 28], { device });
  const y = torch.randint(0, 2, [256], { device });
  const step = makeStep(model, opt, x, y, 'fp32');
  const samples: number[] = [];
  const every = Math.max(1, Math.floor(memorySteps / 10));
  for (let i = 1; i <= memorySteps; i++) {
    torch.scope(() => void step());
    if (i % every === 0) {
      sync();
      samples.push(onCuda ? torch.cuda.memory_allocated() : 0);
    }
  }
  return samples;
}

torch.manual_seed(0);
const a = torch.randn([size, size], { device, dtype: 'bfloat16' });
const b = torch.randn([size, size], { device, dtype: 'bfloat16' });
const matmulMs = timeIt(20, () => void a.matmul(b));
a.dispose();
b.dispose();

const fp32 = finetune('fp32');
const bf16 = finetune('bf16');
// CPU autocast takes only bfloat16 on libtorch 1.13, so the float16 + GradScaler row is a GPU row.
const fp16 = onCuda ? finetune('fp16-scaler') : { ms: null, loss: null };
const memory = memoryOverSteps();
const r50 = resnet50('fp32');
const r50bf16 = resnet50('bf16');
console.log(JSON.stringify({
  matmul_bf16_ms: matmulMs,
  matmul_bf16_tflops: (2 * size ** 3) / (matmulMs / 1e3) / 1e12,
  finetune_ms: fp32.ms,
  finetune_amp_ms: bf16.ms,
  finetune_fp16_scaler_ms: fp16.ms,
  finetune_loss: fp32.loss,
  resnet50_ms: r50.ms,
  resnet50_images_per_s: r50.imagesPerSecond,
  resnet50_bf16_ms: r50bf16.ms,
  resnet50_bf16_images_per_s: r50bf16.imagesPerSecond,
  resnet50_first_loss: r50.firstLoss,
  memory_allocated_over_steps: memory,
}));
