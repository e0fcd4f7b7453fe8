// nn.utils (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
// vector_to_parameters) against PyTorch.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { diff, settleThreads } from './parity.js';

settleThreads();
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

function model(): nn.Sequential {
  torch.manual_seed(3);
  const m = new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh(), new nn.Linear(5, 2));
  const x = torch.randn([6, 4]);
  m.call(x).pow(2).sum().mul(10).backward();
  return m;
}
const PY = `
import torch.nn as nn
def model():
    torch.manual_seed(3)
    m = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    x = torch.randn(6, 4)
    (m(x).pow(2).sum() * 10).backward()
    return m
res = {}
for key, kw in [('l2', dict(max_norm=1.0)), ('inf', dict(max_norm=0.5, norm_type=float('inf'))), ('l1', dict(max_norm=2.0, norm_type=1.0)), ('big', dict(max_norm=1e6))]:
    m = model()
    total = nn.utils.clip_grad_norm_(m.parameters(), **kw)
    res[key] = {'total': total.item(), 'grads': [p.grad.reshape(-1).tolist() for p in m.parameters()]}
m = model()
nn.utils.clip_grad_value_(m.parameters(), 0.1)
res['value'] = [p.grad.reshape(-1).tolist() for p in m.parameters()]
m = model()
v = nn.utils.parameters_to_vector(m.parameters())
res['vector'] = v.tolist()
nn.utils.vector_to_parameters(v * 2, m.parameters())
res['back'] = [p.reshape(-1).tolist() for p in m.parameters()]
out = res
`;

describe.skipIf(!python)(`nn.utils parity with PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let ref: Record<string, any>;
  beforeAll(() => {
    ref = runPython(PY);
  });
  const norms: [string, number, number?][] = [['l2', 1.0], ['inf', 0.5, Infinity], ['l1', 2.0, 1.0], ['big', 1e6]];
  for (const [key, maxNorm, normType] of norms) {
    it(`clip_grad_norm_ ${key}`, () => {
      const m = model();
      const before = torch.memory().liveTensors;
      const total = nn.utils.clip_grad_norm_(m.parameters(), maxNorm, normType ?? 2.0);
      expect(torch.memory().liveTensors - before).toBe(1);
      expect(total.item()).toBe(ref[key].total);
      m.parameters().forEach((p, i) => expect(diff(flat(p.grad!), ref[key].grads[i]).maxRel).toBe(0));
    });
  }
  it('clip_grad_value_', () => {
    const m = model();
    nn.utils.clip_grad_value_(m.parameters(), 0.1);
    m.parameters().forEach((p, i) => expect(flat(p.grad!)).toEqual(ref.value[i]));
  });
  it('parameters_to_vector and vector_to_parameters', () => {
    const m = model();
    const v = nn.utils.parameters_to_vector(m.parameters());
    expect(flat(v)).toEqual(ref.vector);
    const ps = m.parameters();
    nn.utils.vector_to_parameters(v.mul(2), ps);
    ps.forEach((p, i) => expect(flat(p)).toEqual(ref.back[i]));
    expect(m.parameters()[0]).toBe(ps[0]);
  });
  it('clip_grad_norm_ with no gradients returns 0', () => {
    expect(nn.utils.clip_grad_norm_([new nn.Parameter(torch.ones([2]))], 1).item()).toBe(0);
  });
});
