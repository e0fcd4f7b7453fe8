// GradScaler against Python's GradScaler. Python 1.13's GradScaler is CUDA-only
// and its _amp_* ops have no CPU kernel, so the reference runs Python's own
// GradScaler class on CPU with the two kernels replaced by the formulas of
// libtorch's CUDA kernels (float32 unscale, double growth/backoff rounded to
// float32): the control flow, the skipped steps, the scale and tracker sequence
// and the parameters after each step must match ours bit for bit.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import { hasFusedKernel, nonFiniteCheckAndUnscale, updateScale } from '../../lib/amp/grad_scaler.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const PY_SETUP = `
import math
import torch.cuda.amp.grad_scaler as gs
gs.amp_definitely_not_available = lambda: False
class Replicator:
    def __init__(self, master):
        self.master = master
        self._per_device_tensors = {}
    def get(self, device):
        t = self._per_device_tensors.get(device)
        if t is None:
            t = self.master.to(device=device, copy=True)
            self._per_device_tensors[device] = t
        return t
gs._MultiDeviceReplicator = Replicator
def unscale_ref(grads, found_inf, inv_scale):
    inv = inv_scale.item()
    for g in grads:
        if not bool(torch.isfinite(g).all()):
            found_inf.fill_(1.0)
        g.copy_((g.float() * torch.tensor(inv, dtype=torch.float32)).to(g.dtype))
def update_ref(scale, tracker, found_inf, growth, backoff, interval):
    s = scale.item()
    if found_inf.item():
        scale.fill_(s * backoff)
        tracker.fill_(0)
    else:
        succ = int(tracker.item()) + 1
        if succ == interval:
            ns = torch.tensor(s * growth, dtype=torch.float64).float()
            if bool(torch.isfinite(ns)):
                scale.copy_(ns.reshape(1))
            tracker.fill_(0)
        else:
            tracker.fill_(succ)
    return scale
torch._amp_foreach_non_finite_check_and_unscale_ = unscale_ref
torch._amp_update_scale_ = update_ref
class CpuScaler(gs.GradScaler):
    def scale(self, outputs):
        if self._scale is None:
            self._lazy_init_scale_growth_tracker(outputs.device)
        return outputs * self._scale.to(device=outputs.device)
`;

interface Step {
  scale: number;
  tracker: number;
  weight: number[];
  stepped: boolean;
}

const INF_STEPS = [4, 9, 10];

const PY_LOOP = `
def run(init_scale, growth, backoff, interval):
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    X = torch.randn(8, 4); Y = torch.randn(8, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = CpuScaler(init_scale=init_scale, growth_factor=growth, backoff_factor=backoff, growth_interval=interval)
    rec = []
    for i in range(14):
        opt.zero_grad(set_to_none=True)
        x = X.clone()
        if i in ${JSON.stringify(INF_STEPS)}:
            x[0, 0] = float('inf')
        loss = ((model(x) - Y) ** 2).mean()
        scaler.scale(loss).backward()
        if i == 6:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        before = model.weight.detach().clone()
        scaler.step(opt)
        scaler.update()
        rec.append({'scale': scaler.get_scale(), 'tracker': scaler._get_growth_tracker(),
                    'weight': model.weight.detach().double().flatten().tolist(),
                    'stepped': not torch.equal(before, model.weight.detach())})
    return {'steps': rec, 'state': scaler.state_dict()}
out = {'plain': run(2.0 ** 10, 2.0, 0.5, 3), 'odd': run(3.0e4, 1.7, 0.3, 2)}
`;

function runOurs(init_scale: number, growth_factor: number, backoff_factor: number, growth_interval: number): { steps: Step[]; state: unknown } {
  torch.manual_seed(0);
  const model = new nn.Linear(4, 3);
  const X = torch.randn(8, 4), Y = torch.randn(8, 3);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const scaler = new torch.amp.GradScaler('cpu', { init_scale, growth_factor, backoff_factor, growth_interval });
  const steps: Step[] = [];
  for (let i = 0; i < 14; i++) {
    torch.scope(() => {
      opt.zero_grad();
      const x = X.clone();
      if (INF_STEPS.includes(i)) x.set([0, 0], Infinity);
      const loss = model.call(x).sub(Y).pow(2).mean();
      scaler.scale(loss).backward();
      if (i === 6) {
        scaler.unscale_(opt);
        nn.utils.clip_grad_norm_(model.parameters(), 0.5);
      }
      const before = model.weight.detach().clone();
      scaler.step(opt);
      scaler.update();
      steps.push({
        scale: scaler.get_scale(),
        tracker: scaler._get_growth_tracker(),
        weight: Array.from(model.weight.detach().to('float64').flatten().toTypedArray() as Float64Array),
        stepped: !torch.equal(before, model.weight.detach()),
      });
    });
  }
  return { steps, state: scaler.state_dict() };
}

describe.skipIf(!python)(`GradScaler against Python's GradScaler on CPU ${pythonMissingReason}`, () => {
  it('gives the same scales, growth trackers, skipped steps and parameters, step for step', () => {
    const ref = runPython<Record<'plain' | 'odd', { steps: Step[]; state: unknown }>>(PY_SETUP + PY_LOOP);
    const plain = runOurs(2 ** 10, 2.0, 0.5, 3);
    const odd = runOurs(3.0e4, 1.7, 0.3, 2);
    expect(plain.steps.map((s) => s.stepped)).toEqual(ref.plain.steps.map((s) => s.stepped));
    expect(plain.steps.filter((s) => !s.stepped).length).toBe(INF_STEPS.length);
    expect(plain).toEqual(ref.plain);
    expect(odd).toEqual(ref.odd);
  });

  it('unscales float32, bfloat16 and float16 gradients like the kernel (float32 multiply), flagging inf and NaN', () => {
    const ref = runPython<{ grads: number[][]; found: number[] }>(PY_SETUP + `
torch.manual_seed(3)
base = torch.randn(6) * 1000
grads = [base.clone(), base.to(torch.bfloat16), base.to(torch.float16)]
found = []
inv = torch.tensor([3.0]).double().reciprocal().float()
fi = torch.zeros(1)
unscale_ref(grads, fi, inv)
found.append(fi.item())
bad = [torch.tensor([1.0, float('nan')]), torch.tensor([float('-inf'), 2.0], dtype=torch.bfloat16)]
fi2 = torch.zeros(1)
unscale_ref(bad[:1], fi2, inv); found.append(fi2.item())
fi3 = torch.zeros(1)
unscale_ref(bad[1:], fi3, inv); found.append(fi3.item())
out = {'grads': [g.double().tolist() for g in grads], 'found': found}
`);
    torch.manual_seed(3);
    const base = torch.randn(6).mul(1000);
    const grads = [base.clone(), base.to('bfloat16'), base.to('float16')];
    const inv = torch.tensor([3.0]).to('float64').reciprocal().to('float32');
    const fi = torch.zeros(1);
    nonFiniteCheckAndUnscale(grads, fi, inv, { useKernel: false });
    const fi2 = torch.zeros(1), fi3 = torch.zeros(1);
    nonFiniteCheckAndUnscale([torch.tensor([1.0, NaN])], fi2, inv, { useKernel: false });
    nonFiniteCheckAndUnscale([torch.tensor([-Infinity, 2.0]).to('bfloat16')], fi3, inv, { useKernel: false });
    expect(grads.map((g) => Array.from(g.to('float64').toTypedArray() as Float64Array))).toEqual(ref.grads);
    expect([fi.item(), fi2.item(), fi3.item()]).toEqual(ref.found);
  });
});

describe('GradScaler semantics', () => {
  it.skipIf(!python)(`finds libtorch's fused kernels where Python's dispatcher has them ${pythonMissingReason}`, () => {
    const ref = runPython<boolean[]>(`out = [torch._C._dispatch_has_kernel_for_dispatch_key(n, k) for n in ['aten::_amp_update_scale_', 'aten::_amp_foreach_non_finite_check_and_unscale_'] for k in ['CPU', 'CUDA']]`);
    const ours = (['_amp_update_scale_', '_amp_foreach_non_finite_check_and_unscale_'] as const).flatMap((n) => [hasFusedKernel(n, 'cpu'), hasFusedKernel(n, 'cuda:0')]);
    expect(ours).toEqual(ref);
  });

  it('does not grow the scale to infinity', () => {
    const scale = torch.tensor([3.0e38]), tracker = torch.tensor([0], { dtype: 'int32' });
    updateScale(scale, tracker, torch.zeros(1), 2.0, 0.5, 1, { useKernel: false });
    expect(scale.item()).toBeCloseTo(3.0e38, -32);
    expect(tracker.item()).toBe(0);
  });

  it("raises Python's errors for misuse", () => {
    const p = new nn.Linear(2, 1);
    const opt = new optim.SGD(p.parameters(), { lr: 0.1 });
    const scaler = new torch.amp.GradScaler('cpu');
    expect(() => scaler.step(opt)).toThrow('Attempted step but _scale is None.');
    expect(() => scaler.update()).toThrow('Attempted update but _scale is None.');
    scaler.scale(p.call(torch.ones(1, 2)).sum()).backward();
    scaler.unscale_(opt);
    expect(() => scaler.unscale_(opt)).toThrow('unscale_() has already been called on this optimizer since the last update().');
    scaler.step(opt);
    expect(() => scaler.step(opt)).toThrow('step() has already been called since the last update().');
    expect(() => scaler.unscale_(opt)).toThrow('unscale_() is being called after step().');
    scaler.update();
    expect(() => new torch.amp.GradScaler('cpu', { growth_factor: 1.0 })).toThrow('The growth factor must be > 1.0.');
    expect(() => new torch.amp.GradScaler('cpu', { backoff_factor: 1.0 })).toThrow('The backoff factor must be < 1.0.');
    const w = torch.zeros(2, { dtype: 'float16', requires_grad: true });
    w.grad = torch.ones(2, { dtype: 'float16' });
    const opt16 = new optim.SGD([w], { lr: 0.1 });
    const s16 = new torch.amp.GradScaler('cpu');
    s16.scale(torch.ones(1));
    expect(() => s16.unscale_(opt16)).toThrow('Attempting to unscale FP16 gradients.');
  });

  it('round-trips state_dict and is disabled (with a warning) on cuda without CUDA, as Python', () => {
    const a = new torch.amp.GradScaler('cpu', { init_scale: 128, growth_interval: 7 });
    const b = new torch.amp.GradScaler('cpu');
    b.load_state_dict(a.state_dict());
    expect(b.state_dict()).toEqual({ scale: 128, growth_factor: 2, backoff_factor: 0.5, growth_interval: 7, _growth_tracker: 0 });
    if (!torch.cuda.is_available()) {
      const c = new torch.cuda.amp.GradScaler();
      expect(c.is_enabled()).toBe(false);
      expect(c.state_dict()).toEqual({});
      expect(c.get_scale()).toBe(1.0);
      const t = torch.ones(2);
      expect(c.scale(t)).toBe(t);
      expect(() => b.load_state_dict({})).toThrow('The source state dict is empty');
    }
  });

  it('does not leak tensors over many steps', () => {
    const model = new nn.Linear(4, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
    const scaler = new torch.amp.GradScaler('cpu', { growth_interval: 5 });
    const x = torch.randn(3, 4);
    const step = (): void => torch.scope(() => {
      opt.zero_grad();
      scaler.scale(model.call(x).sum()).backward();
      scaler.step(opt);
      scaler.update();
    });
    step();
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 50; i++) step();
    expect(torch.memory().liveTensors).toBe(before);
  });
});
