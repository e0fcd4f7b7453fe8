// The core computations on a GPU against Python PyTorch on the same GPU: the same
// inputs (made on the CPU with the same seed, then moved), the same ops, compared
// value for value. CUDA kernels are deterministic for these shapes (no atomics in
// the paths used), so most cases match exactly; where cuBLAS/cuDNN may pick another
// algorithm in another process the tolerance is stated beside the case.
// Without a GPU the whole file is reported as skipped, with the reason.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const HAS_GPU = torch.cuda.is_available();
const REASON = HAS_GPU ? pythonMissingReason : `skipped: no CUDA GPU visible (this libtorch is ${torch.cuda.is_built() ? 'a CUDA build' : 'CPU-only'})`;
if (!HAS_GPU) console.warn(`test/cuda/parity ${REASON}`);

type Nested = number | boolean | Nested[];
type Ref = Record<string, Nested>;

const PY = `
import torch.nn.functional as F
from torch import nn
dev = 'cuda'
assert torch.cuda.is_available()
out = {}
def L(t):
    return t.detach().double().cpu().tolist()

# 1. a Linear layer forward and backward
torch.manual_seed(0)
lin = nn.Linear(10, 20).to(dev)
x = torch.randn(100, 10).to(dev).requires_grad_()
y = lin(x)
y.pow(2).sum().backward()
out['linear_out'] = L(y); out['linear_wgrad'] = L(lin.weight.grad); out['linear_xgrad'] = L(x.grad)

# 2. conv - batch norm (train) - relu - max pool, forward and backward
torch.manual_seed(1)
conv = nn.Conv2d(3, 8, 3, padding=1).to(dev); bn = nn.BatchNorm2d(8).to(dev)
img = torch.randn(4, 3, 16, 16).to(dev)
h = F.max_pool2d(F.relu(bn(conv(img))), 2)
h.sum().backward()
out['conv_out'] = L(h); out['conv_wgrad'] = L(conv.weight.grad); out['bn_mean'] = L(bn.running_mean); out['bn_var'] = L(bn.running_var)

# 3. losses and normalisations
torch.manual_seed(2)
logits = torch.randn(32, 10).to(dev); target = torch.randint(0, 10, (32,)).to(dev)
out['cross_entropy'] = F.cross_entropy(logits, target).item()
out['log_softmax'] = L(F.log_softmax(logits, 1))
out['layer_norm'] = L(F.layer_norm(logits, (10,)))
out['mse'] = F.mse_loss(logits, logits.flip(0)).item()

# 4. reduced-precision matmuls
torch.manual_seed(3)
a = torch.randn(64, 64).to(dev); b = torch.randn(64, 64).to(dev)
out['mm_bf16'] = L(a.bfloat16() @ b.bfloat16()); out['mm_fp16'] = L(a.half() @ b.half()); out['mm_fp32'] = L(a @ b)

# 5. the GPU's own generator (Philox) after manual_seed
torch.manual_seed(4)
out['randn_cuda'] = L(torch.randn(16, device=dev)); out['rand_cuda'] = L(torch.rand(16, device=dev))
out['dropout_cuda'] = L(F.dropout(torch.ones(64, device=dev), 0.5, training=True))

# 6. the article's model trained on the GPU: losses step by step, Adam
torch.manual_seed(5)
model = nn.Sequential(nn.Linear(10, 20), nn.Linear(20, 10)).to(dev)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
xs = torch.randn(100, 10).to(dev); ys = torch.randn(100, 10).to(dev)
losses = []
for _ in range(20):
    opt.zero_grad(); l = F.mse_loss(model(xs), ys); l.backward(); opt.step(); losses.append(l.item())
out['adam_losses'] = losses; out['adam_weight'] = L(model[0].weight)

# 7. autocast float16 with GradScaler, five steps
torch.manual_seed(6)
m = nn.Linear(16, 4).to(dev)
sgd = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler('cuda', init_scale=2.0 ** 16, growth_interval=2)
xin = torch.randn(8, 16).to(dev)
scales = []
for i in range(5):
    sgd.zero_grad()
    with torch.autocast('cuda', dtype=torch.float16):
        o = m(xin)
        assert o.dtype == torch.float16
        l = o.float().pow(2).mean()
    scaler.scale(l).backward(); scaler.step(sgd); scaler.update(); scales.append(scaler.get_scale())
out['amp_scales'] = scales; out['amp_weight'] = L(m.weight)
`;

let ref: Ref;
const ours = (t: torch.Tensor): Nested => t.detach().to('float64').cpu().tolist() as Nested;

function maxAbsDiff(a: Nested, b: Nested): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, maxAbsDiff(a[i]!, b[i]!));
    return m;
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Math.abs(a - b);
  return a === b ? 0 : Infinity;
}
function close(key: string, value: Nested, tol = 0): void {
  const d = maxAbsDiff(value, ref[key]!);
  expect(d, `${key}: max |torch-node - Python| = ${d} (allowed ${tol})`).toBeLessThanOrEqual(tol);
}

describe.skipIf(!HAS_GPU || !python)(`on the GPU, against Python PyTorch on the same GPU ${REASON}`, () => {
  beforeAll(() => {
    ref = runPython<Ref>(PY);
  }, 300_000);

  it('a Linear layer: output and gradients', () => {
    torch.manual_seed(0);
    const lin = new nn.Linear(10, 20).to('cuda');
    const x = torch.randn(100, 10).to('cuda').requires_grad_();
    const y = lin.call(x);
    y.pow(2).sum().backward();
    close('linear_out', ours(y));
    close('linear_wgrad', ours(lin.weight.grad!), 1e-4);
    close('linear_xgrad', ours(x.grad!), 1e-5);
  });

  it('conv, batch norm in training, relu, max pool: output, gradient, running statistics', () => {
    torch.manual_seed(1);
    const conv = new nn.Conv2d(3, 8, 3, { padding: 1 }).to('cuda');
    const bn = new nn.BatchNorm2d(8).to('cuda');
    const img = torch.randn(4, 3, 16, 16).to('cuda');
    const F = nn.functional;
    const h = F.max_pool2d(F.relu(bn.call(conv.call(img))), 2);
    h.sum().backward();
    close('conv_out', ours(h), 1e-5);
    close('conv_wgrad', ours(conv.weight.grad!), 1e-3);
    close('bn_mean', ours(bn.running_mean!), 1e-6);
    close('bn_var', ours(bn.running_var!), 1e-6);
  });

  it('cross entropy, log_softmax, layer_norm, mse_loss', () => {
    torch.manual_seed(2);
    const logits = torch.randn(32, 10).to('cuda');
    const target = torch.randint(0, 10, [32]).to('cuda');
    const F = nn.functional;
    close('cross_entropy', F.cross_entropy(logits, target).item());
    close('log_softmax', ours(F.log_softmax(logits, 1)));
    close('layer_norm', ours(F.layer_norm(logits, [10])));
    close('mse', F.mse_loss(logits, logits.flip(0)).item());
  });

  it('bfloat16, float16 and float32 matmuls (cuBLAS)', () => {
    torch.manual_seed(3);
    const a = torch.randn(64, 64).to('cuda'), b = torch.randn(64, 64).to('cuda');
    close('mm_bf16', ours(a.to('bfloat16').matmul(b.to('bfloat16'))));
    close('mm_fp16', ours(a.to('float16').matmul(b.to('float16'))));
    close('mm_fp32', ours(a.matmul(b)), 1e-5);
  });

  it("the GPU's Philox generator after manual_seed: randn, rand, dropout", () => {
    torch.manual_seed(4);
    close('randn_cuda', ours(torch.randn([16], { device: 'cuda' })));
    close('rand_cuda', ours(torch.rand([16], { device: 'cuda' })));
    close('dropout_cuda', ours(nn.functional.dropout(torch.ones([64], { device: 'cuda' }), 0.5, { training: true })));
  });

  it("the article's model trained with Adam on the GPU: twenty losses and the weights", () => {
    torch.manual_seed(5);
    const model = new nn.Sequential(new nn.Linear(10, 20), new nn.Linear(20, 10)).to('cuda');
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const xs = torch.randn(100, 10).to('cuda'), ys = torch.randn(100, 10).to('cuda');
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      torch.scope(() => {
        opt.zero_grad();
        const l = nn.functional.mse_loss(model.call(xs), ys);
        l.backward();
        opt.step();
        losses.push(l.item());
      });
    }
    close('adam_losses', losses, 1e-6);
    close('adam_weight', ours((model.at(0) as nn.Linear).weight), 1e-5);
  });

  it('autocast float16 with GradScaler: output dtype, scales and weights over five steps', () => {
    torch.manual_seed(6);
    const m = new nn.Linear(16, 4).to('cuda');
    const sgd = new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const scaler = new torch.amp.GradScaler('cuda', { init_scale: 2 ** 16, growth_interval: 2 });
    const xin = torch.randn(8, 16).to('cuda');
    const scales: number[] = [];
    for (let i = 0; i < 5; i++) {
      sgd.zero_grad();
      const l = torch.autocast('cuda', { dtype: 'float16' }, () => {
        const o = m.call(xin);
        expect(o.dtype).toBe('float16');
        return o.float().pow(2).mean();
      });
      scaler.scale(l).backward();
      scaler.step(sgd);
      scaler.update();
      scales.push(scaler.get_scale());
    }
    close('amp_scales', scales);
    close('amp_weight', ours(m.weight), 1e-5);
  });
});
