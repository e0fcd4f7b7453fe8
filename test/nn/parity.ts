// The TypeScript half of the nn parity tests (test/nn/parity_harness.py is
// the Python half). A case names a seed, a module built both ways (a Python
// expression and a TS function), the inputs to draw, and optionally how to
// call it; both sides record init state, outputs, gradients and the state
// after forward, and compareCase() checks them value for value.
import { readFileSync } from 'node:fs';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import type { Module } from '../../lib/nn/module.js';
import { runPython } from '../helpers/python.js';

export interface InputSpec {
  kind: 'randn' | 'rand' | 'randint' | 'softmax' | 'log_softmax' | 'mask' | 'const' | 'none';
  shape?: number[];
  dtype?: torch.dtype;
  low?: number;
  high?: number;
  p?: number;
  values?: unknown;
  grad?: boolean;
}

export interface ParityCase {
  name: string;
  seed: number;
  /** Python expression building the module (nn, F, torch in scope). */
  py: string;
  ts: () => Module;
  inputs: InputSpec[];
  /** Python expression for the call (m, xs in scope); default m(*xs). */
  call_py?: string;
  call_ts?: (m: any, xs: (Tensor | null)[]) => unknown;
  eval?: boolean;
  double?: boolean;
  no_grad?: boolean;
  grad?: boolean;
  /** Largest relative difference allowed (default 1e-6; 0 = bit-exact). */
  rtol?: number;
}

type Flat = (number | boolean)[];
export interface CaseRecord {
  error?: string;
  keys: string[];
  init: Record<string, Flat>;
  outputs: Flat[];
  shapes: number[][];
  input_grads?: (Flat | null)[];
  param_grads?: Record<string, Flat | null>;
  after: Record<string, Flat>;
}

function flat(t: Tensor): Flat {
  if (t.dtype === 'bool') return Array.from(t.toTypedArray() as Uint8Array, (v) => v !== 0);
  const a = t.dtype === 'float16' || t.dtype === 'bfloat16' ? t.to('float32').toTypedArray() : t.toTypedArray();
  return Array.from(a as ArrayLike<number | bigint>, (v) => Number(v));
}

function makeInput(spec: InputSpec): Tensor | null {
  const shape = spec.shape ?? [];
  const o = spec.dtype ? { dtype: spec.dtype } : {};
  let t: Tensor;
  switch (spec.kind) {
    case 'randn': t = torch.randn(shape, o); break;
    case 'rand': t = torch.rand(shape, o); break;
    case 'randint': t = torch.randint(spec.low ?? 0, spec.high!, shape); break;
    case 'softmax': t = torch.randn(shape, o).softmax(-1); break;
    case 'log_softmax': t = torch.randn(shape, o).log_softmax(-1); break;
    case 'mask': t = torch.rand(shape).lt(spec.p ?? 0.3); break;
    case 'const': t = torch.tensor(spec.values as number[], o); break;
    case 'none': return null;
  }
  if ((spec.grad ?? true) && t.is_floating_point() && spec.kind !== 'const') t.requires_grad_(true);
  return t;
}

function tensorsOf(out: unknown): Tensor[] {
  if (out === null || out === undefined) return [];
  if (out instanceof torch.Tensor) return [out];
  if (Array.isArray(out)) return out.flatMap(tensorsOf);
  throw new Error(`unexpected output ${String(out)}`);
}

export function runCaseTs(c: ParityCase): CaseRecord {
  torch.manual_seed(c.seed);
  const m = c.ts();
  if (c.eval) m.eval();
  if (c.double) m.double();
  const sd = m.state_dict();
  const rec: CaseRecord = { keys: [...sd.keys()], init: {}, outputs: [], shapes: [], after: {} };
  for (const [k, v] of sd) rec.init[k] = flat(v);
  torch.manual_seed(c.seed + 1);
  let xs = c.inputs.map(makeInput);
  if (c.double) xs = xs.map((x) => (x && x.is_floating_point() ? x.detach().double().requires_grad_(x.requires_grad) : x));
  const out = torch.set_grad_enabled(!c.no_grad, () => (c.call_ts ? c.call_ts(m, xs) : m.call(...(xs as Tensor[]))));
  const outs = tensorsOf(out);
  rec.outputs = outs.map(flat);
  rec.shapes = outs.map((o) => o.shape);
  if ((c.grad ?? true) && !c.no_grad) {
    let loss: Tensor | null = null;
    for (const o of outs) {
      if (!o.requires_grad) continue;
      const g = torch.randn_like(o);
      const term = o.mul(g).sum();
      loss = loss === null ? term : loss.add(term);
    }
    if (loss !== null) loss.backward();
    rec.input_grads = xs.map((x) => (x && x.grad ? flat(x.grad) : null));
    rec.param_grads = {};
    for (const [n, p] of m.named_parameters()) rec.param_grads[n] = p.grad ? flat(p.grad) : null;
  }
  for (const [k, v] of m.state_dict()) rec.after[k] = flat(v);
  return rec;
}

/**
 * Python's torch calls at::init_num_threads() when it loads; the addon does
 * not, so until the first at::parallel_for runs, oneDNN kernels (convolution
 * weight gradients, for one) use OpenMP's default thread count instead of
 * ATen's and round differently (about 1e-7). One large reduction settles the
 * count as Python has it.
 */
export function settleThreads(): void {
  const t = torch.ones([1 << 17]);
  const s = t.sum();
  t.dispose();
  s.dispose();
}
settleThreads();

/** Runs every case's Python half in one process. */
export function runCasesPy(cases: ParityCase[]): Record<string, CaseRecord> {
  const harness = readFileSync(new URL('./parity_harness.py', import.meta.url), 'utf8');
  const specs = cases.map(({ ts: _ts, call_ts: _c, ...rest }) => rest);
  return runPython<Record<string, CaseRecord>>(`${harness}\nout = run_cases(json.loads(${JSON.stringify(JSON.stringify(specs))}))`);
}

export interface Diff {
  exact: boolean;
  maxRel: number;
}

/** Largest |a-b| relative to the largest |b| of the tensor (NaNs must match). */
export function diff(a: Flat, b: Flat): Diff {
  if (a.length !== b.length) return { exact: false, maxRel: Infinity };
  let scale = 0;
  for (const v of b) if (typeof v === 'number' && Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let exact = true;
  let maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    exact = false;
    if (typeof x !== 'number' || typeof y !== 'number') return { exact: false, maxRel: Infinity };
    maxRel = Math.max(maxRel, Math.abs(x - y) / Math.max(scale, 1e-30));
  }
  return { exact, maxRel };
}

export interface CaseSummary {
  name: string;
  exact: boolean;
  maxRel: number;
  checks: number;
}

/** Asserts that ts matches py: keys, exact init, outputs and gradients within rtol. */
export function compareCase(c: ParityCase, ts: CaseRecord, py: CaseRecord): CaseSummary {
  if (py.error) throw new Error(`${c.name}: Python failed: ${py.error}`);
  const rtol = c.rtol ?? 1e-6;
  const summary: CaseSummary = { name: c.name, exact: true, maxRel: 0, checks: 0 };
  const fail = (msg: string): never => {
    throw new Error(`${c.name}: ${msg}`);
  };
  const same = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) fail(`${what}: got ${JSON.stringify(a)}, PyTorch ${JSON.stringify(b)}`);
  };
  const check = (what: string, a: Flat | null | undefined, b: Flat | null | undefined, tol: number): void => {
    if (b === null || b === undefined) {
      if (a !== null && a !== undefined) fail(`${what} should be None`);
      return;
    }
    if (!a) return fail(`${what} missing`);
    const d = diff(a, b);
    summary.checks++;
    summary.exact &&= d.exact;
    summary.maxRel = Math.max(summary.maxRel, d.maxRel);
    if (!(d.maxRel <= tol)) fail(`${what} differs (max relative difference ${d.maxRel}, allowed ${tol})`);
  };
  same('state_dict keys', ts.keys, py.keys);
  for (const k of py.keys) check(`initial ${k}`, ts.init[k], py.init[k], 0);
  same('output shapes', ts.shapes, py.shapes);
  py.outputs.forEach((o, i) => check(`output ${i}`, ts.outputs[i], o, rtol));
  if (py.input_grads) py.input_grads.forEach((g, i) => check(`input ${i} grad`, ts.input_grads?.[i], g, rtol));
  if (py.param_grads) {
    same('parameter names', Object.keys(ts.param_grads ?? {}), Object.keys(py.param_grads));
    for (const [n, g] of Object.entries(py.param_grads)) check(`${n}.grad`, ts.param_grads?.[n], g, rtol);
  }
  for (const k of Object.keys(py.after)) check(`${k} after forward`, ts.after[k], py.after[k], rtol);
  return summary;
}

/** Declares one vitest test per case (skipped with the reason when no Python with torch is installed). */
export async function parityTests(title: string, cases: ParityCase[]): Promise<void> {
  const { describe, it, beforeAll, afterAll } = await import('vitest');
  const { python, pythonMissingReason } = await import('../helpers/python.js');
  describe.skipIf(!python)(`${title} parity with PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
    let ref: Record<string, CaseRecord> = {};
    const summaries: CaseSummary[] = [];
    beforeAll(() => {
      ref = runCasesPy(cases);
    });
    for (const c of cases) {
      it(c.name, () => {
        summaries.push(compareCase(c, runCaseTs(c), ref[c.name]!));
      });
    }
    afterAll(() => {
      const exact = summaries.filter((s) => s.exact).length;
      const worst = Math.max(0, ...summaries.map((s) => s.maxRel));
      const inexact = summaries.filter((s) => !s.exact).map((s) => `${s.name} (${s.maxRel.toExponential(1)})`);
      console.log(
        `${title}: ${summaries.length}/${cases.length} cases match, ${exact} bit-exact, largest relative difference ${worst.toExponential(2)}` +
          (inexact.length ? `; not bit-exact: ${inexact.join(', ')}` : ''),
      );
    });
  });
}
