// nn.init against PyTorch: the same values after the same manual_seed.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { erf } from '../../lib/nn/init.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { diff } from './parity.js';

const init = nn.init;
interface InitCase {
  name: string;
  shape: number[];
  py: string;
  ts: (t: torch.Tensor) => unknown;
}
const cases: InitCase[] = [
  { name: 'uniform_', shape: [3, 4], py: 'init.uniform_(t)', ts: (t) => init.uniform_(t) },
  { name: 'uniform_(a, b)', shape: [5], py: 'init.uniform_(t, -2.0, 3.0)', ts: (t) => init.uniform_(t, -2, 3) },
  { name: 'normal_', shape: [3, 4], py: 'init.normal_(t)', ts: (t) => init.normal_(t) },
  { name: 'normal_(mean, std)', shape: [6], py: 'init.normal_(t, mean=1.5, std=0.1)', ts: (t) => init.normal_(t, { mean: 1.5, std: 0.1 }) },
  { name: 'trunc_normal_', shape: [50], py: 'init.trunc_normal_(t)', ts: (t) => init.trunc_normal_(t) },
  { name: 'trunc_normal_(std=0.02)', shape: [40], py: 'init.trunc_normal_(t, std=0.02)', ts: (t) => init.trunc_normal_(t, { std: 0.02 }) },
  { name: 'trunc_normal_(1, 2, 0, 3)', shape: [40], py: 'init.trunc_normal_(t, 1.0, 2.0, 0.0, 3.0)', ts: (t) => init.trunc_normal_(t, 1, 2, 0, 3) },
  { name: 'constant_', shape: [2, 3], py: 'init.constant_(t, 0.3)', ts: (t) => init.constant_(t, 0.3) },
  { name: 'zeros_', shape: [2, 3], py: 'init.zeros_(t)', ts: (t) => init.zeros_(t) },
  { name: 'ones_', shape: [2, 3], py: 'init.ones_(t)', ts: (t) => init.ones_(t) },
  { name: 'eye_', shape: [3, 5], py: 'init.eye_(t)', ts: (t) => init.eye_(t) },
  { name: 'dirac_', shape: [4, 2, 3, 3], py: 'init.dirac_(t, 2)', ts: (t) => init.dirac_(t, 2) },
  { name: 'xavier_uniform_', shape: [5, 7], py: 'init.xavier_uniform_(t)', ts: (t) => init.xavier_uniform_(t) },
  { name: 'xavier_uniform_ gain', shape: [4, 3, 2, 2], py: "init.xavier_uniform_(t, gain=init.calculate_gain('relu'))", ts: (t) => init.xavier_uniform_(t, { gain: init.calculate_gain('relu') }) },
  { name: 'xavier_normal_', shape: [5, 7], py: 'init.xavier_normal_(t)', ts: (t) => init.xavier_normal_(t) },
  { name: 'kaiming_uniform_', shape: [6, 4], py: 'init.kaiming_uniform_(t)', ts: (t) => init.kaiming_uniform_(t) },
  { name: 'kaiming_uniform_ a=sqrt(5)', shape: [6, 4, 3], py: 'init.kaiming_uniform_(t, a=math.sqrt(5))', ts: (t) => init.kaiming_uniform_(t, { a: Math.sqrt(5) }) },
  { name: 'kaiming_normal_ fan_out relu', shape: [8, 3, 3, 3], py: "init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu')", ts: (t) => init.kaiming_normal_(t, { mode: 'fan_out', nonlinearity: 'relu' }) },
  { name: 'orthogonal_', shape: [4, 6], py: 'init.orthogonal_(t)', ts: (t) => init.orthogonal_(t) },
  { name: 'orthogonal_ tall, gain', shape: [6, 3], py: 'init.orthogonal_(t, gain=2.0)', ts: (t) => init.orthogonal_(t, 2) },
  { name: 'orthogonal_ 3-D', shape: [3, 2, 4], py: 'init.orthogonal_(t)', ts: (t) => init.orthogonal_(t) },
  { name: 'sparse_', shape: [6, 4], py: 'init.sparse_(t, 0.5)', ts: (t) => init.sparse_(t, 0.5) },
];
const gains: [string, number | undefined][] = [['linear', undefined], ['conv2d', undefined], ['sigmoid', undefined], ['tanh', undefined], ['relu', undefined], ['leaky_relu', undefined], ['leaky_relu', 0.2], ['selu', undefined]];

describe.skipIf(!python)(`nn.init parity with PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let ref: { values: Record<string, number[]>; gains: number[]; erf: number[] };
  const erfX = [-3, -2.5, -1.7, -1.2, -0.9, -0.3, 0, 1e-9, 0.2, 0.5, 0.84, 1.0, 1.3, 2 / Math.SQRT2, 2.9, 4.5, 7];
  beforeAll(() => {
    ref = runPython(`
import torch.nn.init as init
values = {}
for i, (name, shape, code) in enumerate(${JSON.stringify(cases.map((c) => [c.name, c.shape, c.py]))}):
    torch.manual_seed(100 + i)
    t = torch.empty(shape)
    eval(code)
    values[name] = t.reshape(-1).tolist()
gains = [init.calculate_gain(n, p) for n, p in ${JSON.stringify(gains).replace(/null/g, 'None')}]
out = {'values': values, 'gains': gains, 'erf': [math.erf(x) for x in ${JSON.stringify(erfX)}]}
`);
  });
  cases.forEach((c, i) => {
    it(c.name, () => {
      torch.manual_seed(100 + i);
      const t = torch.empty(c.shape);
      const r = c.ts(t);
      expect(r).toBe(t);
      const d = diff(Array.from(t.toTypedArray() as Float32Array), ref.values[c.name]!);
      expect(d.maxRel, `${c.name} max relative difference`).toBeLessThanOrEqual(c.name.startsWith('orthogonal') ? 1e-6 : 0);
    });
  });
  it('calculate_gain', () => {
    expect(gains.map(([n, p]) => init.calculate_gain(n as nn.init.Nonlinearity, p))).toEqual(ref.gains);
  });
  it("erf (trunc_normal_'s, as C's libm computes it)", () => {
    expect(erfX.map(erf)).toEqual(ref.erf);
  });
  it('initialises parameters without recording autograd history', () => {
    const p = new nn.Parameter(torch.empty([3, 3]));
    init.kaiming_uniform_(p);
    expect(p.is_leaf).toBe(true);
    expect(p.grad_fn).toBeNull();
  });
});
