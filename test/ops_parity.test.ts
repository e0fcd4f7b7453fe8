// The operator API against real PyTorch: a table of op calls, each written
// once as data (op name, arguments, keyword arguments), run here through
// torch-node and in one Python process (test/ops_parity.py) on the same
// libtorch, compared for dtype, shape and values (exact unless a case says
// otherwise: the same kernels run on both sides).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/torch.js';
import { op } from '../lib/bridge.js';
import * as generatedFunctions from '../lib/generated/functions.js';
import { generatedMethodNames } from '../lib/generated/tensor_methods.js';
import { isDtype } from '../lib/dtype.js';
import { python, pythonMissingReason, runPython } from './helpers/python.js';

// ---- the table ----------------------------------------------------------------------------

type DT = torch.dtype;
/** An argument: plain JSON, or a reference to an input tensor, a dtype, a seeded Generator, a device. */
type Arg = number | boolean | string | null | { t: string } | { d: DT } | { g: number } | { dev: string } | { tuple: Arg[] } | Arg[];
interface Case {
  id: string;
  /** torch.<f>(...args, kw) — may be dotted: 'linalg.norm' */
  f?: string;
  /** input[self].<m>(...args, kw) */
  m?: string;
  self?: string;
  /** m is a property (t.mT), not a method */
  prop?: boolean;
  args?: Arg[];
  kw?: Record<string, Arg>;
  /** torch.manual_seed(seed) first, on both sides */
  seed?: number;
  /** relative tolerance where the two sides run different kernels */
  tol?: number;
}

type InputSpec = { dtype: DT; data: unknown } | { dtype: DT; re: unknown; im: unknown };

const X = [[-1.5, 0.25, 2.0, -0.75], [3.5, -2.25, 0.5, 1.0], [0.0, 4.25, -3.0, 1.75]];
const Y = [[0.5, -1.0, 1.5, 2.5], [-0.25, 3.0, -1.75, 0.75], [2.0, 0.125, 1.0, -2.5]];
const P = [[0.5, 1.25, 2.0, 3.5], [0.75, 4.0, 1.5, 0.25], [2.25, 1.0, 3.0, 0.125]];
const U = [[-0.9, -0.5, 0.1, 0.3], [0.75, -0.25, 0.6, -0.05], [0.2, 0.45, -0.7, 0.95]];
const I = [[3, -1, 4, 1], [-5, 9, 2, -6], [5, 3, -5, 8]];
const J = [[1, 2, 0, 3], [2, 1, 3, 0], [0, 3, 1, 2]];
const B = [[true, false, true, false], [false, false, true, true], [true, true, false, false]];
const A3 = [...Array(24).keys()].map((k) => (((k * 7) % 11) - 5) / 2);
const nest = (flat: number[], shape: number[]): unknown =>
  shape.length === 1 ? flat.slice(0, shape[0]) : [...Array(shape[0]).keys()].map((i) => nest(flat.slice((i * flat.length) / shape[0]!), shape.slice(1)));

const INPUTS: Record<string, InputSpec> = {
  x: { dtype: 'float32', data: X },
  y: { dtype: 'float32', data: Y },
  p: { dtype: 'float32', data: P },
  u: { dtype: 'float32', data: U },
  v: { dtype: 'float32', data: [1.0, -2.0, 3.0, 0.5] },
  w: { dtype: 'float32', data: [0.25, 1.5, -0.5, 2.0] },
  a3: { dtype: 'float32', data: nest(A3, [2, 3, 4]) },
  b3: { dtype: 'float32', data: nest(A3.map((a) => a * 0.5 + 1), [2, 4, 3]) },
  col: { dtype: 'float32', data: [[1.0], [-2.0], [0.5]] },
  s: { dtype: 'float32', data: 2.5 },
  nanx: { dtype: 'float32', data: [1.0, NaN, -Infinity, 3.0, Infinity, -2.0] },
  e: { dtype: 'float32', data: [] },
  d: { dtype: 'float64', data: X },
  m: { dtype: 'float64', data: [[4, 1, 0.5, 0.2], [1, 3, 0.3, 0.1], [0.5, 0.3, 2, 0.4], [0.2, 0.1, 0.4, 5]] },
  mf: { dtype: 'float32', data: [[4, 1, 0.5, 0.2], [1, 3, 0.3, 0.1], [0.5, 0.3, 2, 0.4], [0.2, 0.1, 0.4, 5]] },
  rhs: { dtype: 'float64', data: [[1, 2], [0, -1], [3, 0.5], [-2, 1]] },
  tall: { dtype: 'float64', data: [[1, 2, 0], [0, 1, 3], [2, -1, 1], [1, 1, 1], [0, 2, -2]] },
  h: { dtype: 'float16', data: X },
  bf: { dtype: 'bfloat16', data: X },
  i: { dtype: 'int64', data: I },
  j: { dtype: 'int64', data: J },
  idx: { dtype: 'int64', data: [2, 0, 1] },
  cnt: { dtype: 'int64', data: [1, 3, 3, 0, 5, 1, 3] },
  i32: { dtype: 'int32', data: I },
  i16: { dtype: 'int16', data: I },
  i8: { dtype: 'int8', data: I },
  u8: { dtype: 'uint8', data: J },
  b: { dtype: 'bool', data: B },
  bb: { dtype: 'bool', data: [[false, false, true, true], [true, false, true, false], [false, true, false, true]] },
  c64: { dtype: 'complex64', re: [1.5, -2.0, 0.0, 3.25], im: [0.5, 1.0, -2.0, 0.0] },
  c22: { dtype: 'complex64', re: [[1, 2], [3, 4]], im: [[0.5, -1], [2, 0]] },
  c128: { dtype: 'complex128', re: [0.5, 1.0, -1.0, 2.0], im: [-1.0, 0.25, 3.0, 1.5] },
  probs: { dtype: 'float32', data: [0.1, 0.2, 0.3, 0.4] },
  half01: { dtype: 'float32', data: [[0.5, 0.2, 0.9], [0.1, 0.7, 0.3]] },
  rates: { dtype: 'float32', data: [0.5, 2.0, 4.0, 10.0] },
  sorted: { dtype: 'float32', data: [1, 3, 5, 7, 9] },
  rep: { dtype: 'int64', data: [1, 1, 2, 2, 2, 3, 1, 1] },
};

const t = (name: string): { t: string } => ({ t: name });
const d = (name: DT): { d: DT } => ({ d: name });
const g = (seed: number): { g: number } => ({ g: seed });

const cases: Case[] = [];
const seen = new Map<string, number>();
function push(c: Omit<Case, 'id'>): void {
  const base = c.f ? `torch.${c.f}` : `${c.self}.${c.m}`;
  const argText = JSON.stringify([...(c.args ?? []), ...(c.kw ? [c.kw] : [])]).slice(1, -1);
  let id = `${base}(${argText})`;
  const n = seen.get(id) ?? 0;
  seen.set(id, n + 1);
  if (n > 0) id += `#${n}`;
  cases.push({ id, ...c });
}
/** torch.f(...args, kw) */
const F = (f: string, args: Arg[] = [], kw?: Record<string, Arg>, extra: Partial<Case> = {}): void => push({ f, args, kw, ...extra });
/** input.m(...args, kw) */
const M = (self: string, m: string, args: Arg[] = [], kw?: Record<string, Arg>, extra: Partial<Case> = {}): void => push({ self, m, args, kw, ...extra });
/** both: torch.f(input, ...args) and input.f(...args) */
const FM = (f: string, self: string, args: Arg[] = [], kw?: Record<string, Arg>, extra: Partial<Case> = {}): void => {
  F(f, [t(self), ...args], kw, extra);
  M(self, f, args, kw, extra);
};

// -- pointwise math
for (const op of ['abs', 'neg', 'exp', 'expm1', 'sin', 'cos', 'tan', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'sigmoid', 'relu', 'erf', 'erfc',
  'floor', 'ceil', 'round', 'trunc', 'frac', 'sign', 'sgn', 'square', 'exp2', 'deg2rad', 'rad2deg', 'positive', 'fix', 'signbit', 'isnan', 'isinf',
  'isfinite', 'isneginf', 'isposinf', 'logical_not', 'nan_to_num', 'sinc', 'i0', 'angle']) {
  FM(op, 'x');
}
for (const op of ['log', 'log2', 'log10', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'lgamma', 'digamma', 'acosh']) FM(op, 'p');
for (const op of ['asin', 'acos', 'atanh', 'erfinv', 'logit']) FM(op, 'u');
FM('isnan', 'nanx');
FM('nan_to_num', 'nanx', [0.0, 100.0, -100.0]);
F('nan_to_num', [t('nanx'), 1.5]);
FM('round', 'x', [], { decimals: 1 });
FM('clamp', 'x', [-1, 2]);
FM('clamp', 'x', [null, 0.5]);
FM('clamp', 'x', [t('y')]);
F('clamp', [t('x')], undefined);
FM('clamp_min', 'x', [0.3]);
FM('clamp_max', 'x', [t('y')]);
FM('clip', 'x', [-0.5, 0.5]);
FM('logit', 'u', [0.1]);
M('p', 'polygamma', [1]);
F('polygamma', [1, t('p')]);
FM('mvlgamma', 'p', [1]);
FM('bitwise_not', 'i');
FM('bitwise_not', 'b');
FM('abs', 'i8');
FM('neg', 'i16');

// -- binary, broadcasting and scalars
for (const op of ['add', 'sub', 'mul', 'div', 'true_divide', 'floor_divide', 'remainder', 'fmod', 'atan2', 'maximum', 'minimum', 'fmax', 'fmin',
  'hypot', 'copysign', 'nextafter', 'logaddexp', 'logaddexp2', 'xlogy', 'pow', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'greater', 'less_equal', 'not_equal']) {
  FM(op, 'x', [t('y')]);
}
FM('add', 'x', [t('v')]);
FM('mul', 'x', [t('col')]);
FM('sub', 'col', [t('v')]);
FM('add', 'x', [2]);
FM('add', 'x', [2.5], { alpha: 2 });
FM('add', 'x', [t('y')], { alpha: -0.5 });
FM('sub', 'x', [t('y')], { alpha: 3 });
FM('mul', 'x', [0.5]);
FM('div', 'x', [3]);
FM('div', 'x', [t('y')], { rounding_mode: 'floor' });
FM('div', 'x', [t('y')], { rounding_mode: 'trunc' });
FM('div', 'i', [2], { rounding_mode: 'floor' });
FM('div', 'i', [t('j')], { rounding_mode: 'trunc' });
FM('pow', 'x', [2]);
FM('pow', 'p', [0.5]);
F('pow', [2, t('x')]);
FM('remainder', 'x', [1.5]);
FM('remainder', 'i', [3]);
FM('fmod', 'i', [-3]);
FM('floor_divide', 'i', [2]);
FM('eq', 'x', [0.5]);
FM('gt', 'i', [2]);
FM('le', 'x', [t('v')]);
FM('equal', 'x', [t('x')]);
FM('equal', 'x', [t('y')]);
FM('allclose', 'x', [t('x')]);
FM('isclose', 'x', [t('y')], undefined);
FM('lerp', 'x', [t('y'), 0.3]);
FM('lerp', 'x', [t('y'), t('u')]);
FM('addcmul', 'x', [t('y'), t('u')], { value: 0.5 });
FM('addcdiv', 'x', [t('y'), t('p')], { value: 2 });
F('rsub', [t('x'), t('y')]);
F('rsub', [t('x'), 2]);
F('where', [t('b'), t('x'), t('y')]);
F('where', [t('b'), t('x'), 0.0]);
F('where', [t('b'), 1.0, t('y')]);
F('where', [t('b'), 1, 0]);
M('x', 'where', [t('b'), t('y')]);
F('where', [t('b')]);
FM('masked_fill', 'x', [t('b'), -9.0]);
FM('masked_fill', 'i', [t('b'), 7]);
FM('masked_fill', 'x', [t('b'), t('s')]);
for (const op of ['logical_and', 'logical_or', 'logical_xor']) FM(op, 'b', [t('bb')]);
for (const op of ['bitwise_and', 'bitwise_or', 'bitwise_xor']) {
  FM(op, 'i', [t('j')]);
  FM(op, 'b', [t('bb')]);
}
FM('bitwise_left_shift', 'j', [2]);
FM('bitwise_right_shift', 'i', [1]);
FM('gcd', 'i', [t('j')]);
FM('lcm', 'i', [t('j')]);

// -- dtype promotion (result dtype and values) across dtypes
const promo: [string, string][] = [
  ['i8', 'u8'], ['i16', 'i32'], ['i32', 'h'], ['i', 'x'], ['h', 'x'], ['bf', 'h'], ['bf', 'x'], ['d', 'x'], ['b', 'i8'], ['b', 'x'],
  ['u8', 'b'], ['c64', 'v'], ['c64', 'c128'], ['i', 'c64'], ['h', 'd'], ['i16', 'u8'],
];
for (const [a, b] of promo) F('add', [t(a), t(b)]);
for (const [a, b] of [['i8', 'u8'], ['i32', 'h'], ['i', 'x'], ['bf', 'h'], ['c64', 'c128']] as const) F('mul', [t(a), t(b)]);
F('add', [t('i'), 2.5]);
F('add', [t('i'), 2]);
F('add', [t('u8'), 300]);
F('mul', [t('b'), 2]);
F('add', [t('h'), 1e4]);
F('div', [t('i'), t('j')]);
F('mul', [t('i32'), t('s')]);
F('add', [t('i8'), true]);
F('result_type', [t('i'), 2.5]);
F('result_type', [t('i8'), t('u8')]);
F('result_type', [t('h'), t('x')]);
F('result_type', [t('c64'), t('d')]);
F('promote_types', [d('int8'), d('uint8')]);
F('promote_types', [d('bfloat16'), d('float16')]);
F('promote_types', [d('int32'), d('float16')]);
F('promote_types', [d('bool'), d('int16')]);
F('promote_types', [d('complex64'), d('float64')]);
F('can_cast', [d('float32'), d('int32')]);
F('can_cast', [d('int32'), d('float32')]);
F('can_cast', [d('bool'), d('uint8')]);

// -- conversions: to(), the short forms, type()
const ALL: DT[] = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool', 'complex64', 'complex128'];
for (const dt of ALL) M('x', 'to', [d(dt)]);
for (const dt of ['float32', 'int64', 'float16', 'complex128', 'bool'] as DT[]) M('i', 'to', [d(dt)]);
M('c64', 'to', [d('complex128')]);
M('c64', 'to', [d('float32')]);
M('h', 'to', [d('bfloat16')]);
M('x', 'to', [t('i')]);
M('i', 'to', [t('d')]);
M('x', 'to', [d('float64')], { copy: true });
M('x', 'to', [d('float64')], { non_blocking: true });
M('x', 'to', ['cpu']);
M('x', 'to', ['cpu', d('float16')]);
M('x', 'to', [{ dev: 'cpu' }]);
M('x', 'to', [], { dtype: d('int32') });
M('x', 'to', [], { device: 'cpu', dtype: d('float64') });
for (const f of ['cpu', 'float', 'double', 'half', 'bfloat16', 'long', 'int', 'short', 'char', 'byte', 'bool']) M('x', f);
for (const name of ['x', 'd', 'h', 'bf', 'i', 'i32', 'i16', 'i8', 'u8', 'b', 'c64', 'c128']) M(name, 'type');
M('x', 'type', [d('float64')]);
M('i', 'type', [d('float32')]);
M('x', 'type', ['torch.LongTensor']);
M('i', 'type', ['torch.HalfTensor']);
M('x', 'type_as', [t('i')]);
M('i', 'type_as', [t('h')]);
for (const name of ['x', 'i', 'c64', 'b']) {
  M(name, 'is_floating_point');
  M(name, 'is_complex');
  M(name, 'is_signed');
}
M('x', 'element_size');
M('c128', 'element_size');
M('x', 'nelement');
M('a3', 'ndimension');
M('x', 'get_device');

// -- complex
FM('abs', 'c64');
FM('angle', 'c128');
FM('conj', 'c64');
FM('conj_physical', 'c64');
F('real', [t('c64')]);
F('imag', [t('c128')]);
M('c64', 'real', [], undefined, { prop: true });
M('c128', 'imag', [], undefined, { prop: true });
F('view_as_real', [t('c64')]);
F('complex', [t('v'), t('w')]);
F('polar', [t('probs'), t('w')]);
FM('mul', 'c64', [t('c64')]);
FM('exp', 'c128');
FM('sgn', 'c64');
M('c64', 'is_conj');
M('x', 'is_neg');

// -- reductions, with dim and keepdim
for (const op of ['sum', 'mean', 'prod', 'nansum', 'amax', 'amin', 'logsumexp', 'count_nonzero', 'argmax', 'argmin']) {
  if (op !== 'logsumexp') FM(op, 'x');
  FM(op, 'x', [1]);
  if (op !== 'count_nonzero') FM(op, 'a3', [0, true]);
}
for (const op of ['all', 'any']) {
  FM(op, 'b');
  FM(op, 'b', [1]);
  FM(op, 'b', [0, true]);
}
FM('sum', 'a3', [[0, 2]]);
FM('sum', 'a3', [[1, 2], true]);
FM('sum', 'i', [], { dtype: d('float64') });
FM('sum', 'x', [1], { dtype: d('float64') });
FM('sum', 'b');
FM('sum', 'u8');
FM('mean', 'a3', [[0, 1]]);
FM('mean', 'x', [-1, true], { dtype: d('float64') });
FM('prod', 'i', [0]);
FM('amax', 'a3', [[0, 2]]);
FM('logsumexp', 'a3', [[1, 2]]);
FM('count_nonzero', 'i', [[0, 1]]);
FM('max', 'x');
FM('max', 'x', [1]);
FM('max', 'a3', [2, true]);
FM('max', 'x', [t('y')]);
FM('min', 'x');
FM('min', 'x', [0]);
FM('min', 'x', [t('y')]);
FM('aminmax', 'x', [], { dim: 1 });
FM('median', 'x');
FM('median', 'x', [1]);
FM('nanmedian', 'nanx');
FM('mode', 'rep');
FM('kthvalue', 'x', [2, 1]);
FM('std', 'x');
FM('std', 'x', [1]);
FM('std', 'x', [0, false]);
FM('std', 'a3', [[0, 2], true, true]);
FM('std', 'x', [false]);
F('std', [t('x'), 1], { correction: 0 });
FM('var', 'x', [1]);
FM('var', 'x', [0, false, true]);
F('var', [t('a3'), [1, 2]], { correction: 2, keepdim: true });
F('std_mean', [t('x'), 1]);
F('var_mean', [t('a3'), [0, 1]], { correction: 0 });
FM('cumsum', 'x', [1]);
FM('cumsum', 'i', [0], { dtype: d('float32') });
FM('cumprod', 'x', [0]);
FM('cummax', 'x', [1]);
FM('cummin', 'a3', [2]);
FM('logcumsumexp', 'x', [1]);
FM('diff', 'x', [1, 1]);
FM('trace', 'm');
FM('norm', 'x');
FM('norm', 'x', [1]);
FM('norm', 'x', [2, 1]);
FM('norm', 'x', ['fro', [0, 1], true]);
FM('norm', 'm', ['nuc']);
FM('norm', 'x', [3.5, 0, true]);
F('norm', [t('x'), 2, 1], { dtype: d('float64') });
FM('dist', 'x', [t('y')]);
FM('dist', 'x', [t('y'), 1]);
FM('renorm', 'x', [2, 0, 1.5]);
FM('histc', 'x', [4, -4, 4]);
FM('quantile', 'x', [0.25, 1]);
FM('quantile', 'x', [t('probs'), 1, true], { interpolation: 'midpoint' });
FM('nanquantile', 'nanx', [0.5]);
FM('bincount', 'cnt');
F('bincount', [t('cnt'), null, 7]);

// -- shapes and views
M('x', 'reshape', [4, 3]);
M('x', 'reshape', [[2, -1]]);
F('reshape', [t('x'), [6, 2]]);
M('x', 'view', [12]);
M('x', 'view', [-1, 6]);
M('x', 'view', [d('int32')]);
M('x', 'view_as', [t('y')]);
FM('transpose', 'a3', [0, 2]);
FM('swapaxes', 'a3', [1, 2]);
FM('permute', 'a3', [[2, 0, 1]]);
M('a3', 'permute', [2, 0, 1]);
FM('t', 'x');
M('a3', 'T', [], undefined, { prop: true });
M('a3', 'mT', [], undefined, { prop: true });
M('c22', 'mH', [], undefined, { prop: true });
M('c22', 'H', [], undefined, { prop: true });
M('x', 'H', [], undefined, { prop: true });
FM('flatten', 'a3');
FM('flatten', 'a3', [1]);
FM('flatten', 'a3', [0, 1]);
FM('ravel', 'x');
FM('unflatten', 'x', [1, [2, 2]]);
FM('squeeze', 'col');
FM('squeeze', 'col', [1]);
FM('unsqueeze', 'x', [0]);
FM('unsqueeze', 'v', [-1]);
M('col', 'expand', [3, 4]);
M('col', 'expand', [[-1, 5]]);
M('col', 'expand_as', [t('x')]);
F('broadcast_to', [t('v'), [3, 4]]);
M('x', 'repeat', [2, 1]);
M('v', 'repeat', [[2, 2]]);
FM('tile', 'v', [[2]]);
FM('repeat_interleave', 'v', [2]);
FM('repeat_interleave', 'x', [t('idx'), 0]);
FM('flip', 'x', [[0, 1]]);
M('x', 'flip', [1]);
FM('fliplr', 'x');
FM('flipud', 'x');
FM('roll', 'x', [1, 1]);
FM('roll', 'x', [[1, -1], [0, 1]]);
FM('rot90', 'x', [1, [0, 1]]);
FM('narrow', 'x', [1, 1, 2]);
FM('select', 'a3', [1, -1]);
FM('movedim', 'a3', [0, 2]);
FM('moveaxis', 'a3', [[0, 1], [2, 0]]);
FM('diag', 'v');
FM('diag', 'x', [1]);
FM('diagonal', 'a3', [0, 1, 2]);
FM('diag_embed', 'v');
FM('triu', 'x');
FM('tril', 'x', [-1]);
M('x', 'contiguous');
M('a3', 'clone');
F('clone', [t('a3')]);
FM('detach', 'x');
F('cat', [[t('x'), t('y')]]);
F('cat', [[t('x'), t('y')], 1]);
F('cat', [[t('x'), t('e')]]);
F('concat', [[t('x'), t('y')], -1]);
F('stack', [[t('x'), t('y')]]);
F('stack', [[t('v'), t('w')], 1]);
F('hstack', [[t('x'), t('y')]]);
F('vstack', [[t('v'), t('w')]]);
F('dstack', [[t('x'), t('y')]]);
F('column_stack', [[t('v'), t('w')]]);
F('row_stack', [[t('v'), t('w')]]);
FM('split', 'x', [2, 1]);
FM('split', 'x', [[1, 2], 0]);
FM('split', 'a3', [1]);
FM('chunk', 'x', [2, 1]);
FM('chunk', 'x', [3]);
FM('tensor_split', 'x', [3, 1]);
FM('tensor_split', 'x', [[1, 3], 1]);
FM('unbind', 'x', [1]);
FM('hsplit', 'x', [2]);
FM('vsplit', 'x', [[1]]);
F('broadcast_tensors', [t('x'), t('v'), t('col')]);
F('broadcast_shapes', [[3, 1], [4], [2, 1, 1]]);
F('meshgrid', [t('v'), t('w')], { indexing: 'ij' });
F('meshgrid', [[t('v'), t('w')]], { indexing: 'xy' });
F('block_diag', [t('x'), t('v')]);
F('cartesian_prod', [t('v'), t('w')]);
FM('kron', 'x', [t('col')]);
F('outer', [t('v'), t('w')]);
F('cross', [t('v3a'), t('v3b'), 1]);
F('atleast_2d', [t('v')]);
F('atleast_3d', [t('x')]);
M('x', 'new_zeros', [[2, 3]]);
M('x', 'new_zeros', [2, 3]);
M('i', 'new_ones', [[2]], { dtype: d('float16') });
M('x', 'new_full', [[2, 2], 7]);
M('x', 'new_empty', [[0, 2]]);
M('x', 'new_tensor', [[1, 2, 3]]);
M('i', 'new_tensor', [[[1.5, 2]]], { dtype: d('float64') });
F('zeros_like', [t('i')], { dtype: d('float32') });
F('ones_like', [t('x')]);
F('full_like', [t('x'), 3]);
F('empty_like', [t('e')]);

// -- gather, scatter, index, take, masks
FM('gather', 'x', [1, t('j')]);
FM('gather', 'x', [0, t('jrow')]);
M('x', 'scatter', [1, t('j'), t('y')]);
F('scatter', [t('x'), 1, t('j'), 9.5]);
M('x', 'scatter', [1, t('j'), t('y')], { reduce: 'add' });
M('x', 'scatter', [1, t('j'), 2.0], { reduce: 'multiply' });
FM('scatter_add', 'x', [1, t('j'), t('y')]);
FM('scatter_reduce', 'x', [1, t('j'), t('y'), 'amax']);
FM('scatter_reduce', 'x', [1, t('j'), t('y'), 'mean'], { include_self: false });
FM('index_select', 'x', [0, t('idx')]);
FM('index_select', 'x', [1, t('idx')]);
FM('take', 'x', [t('j')]);
FM('take_along_dim', 'x', [t('j'), 1]);
FM('masked_select', 'x', [t('b')]);
FM('masked_scatter', 'x', [t('b'), t('y')]);
FM('index_add', 'x', [0, t('idx'), t('y')]);
FM('index_add', 'x', [0, t('idx'), t('y')], { alpha: 2 });
FM('index_copy', 'x', [0, t('idx'), t('y')]);
FM('index_fill', 'x', [1, t('idx'), -1]);
FM('put', 'x', [t('idx'), t('three')]);
F('nonzero', [t('b')]);
F('nonzero', [t('b')], { as_tuple: true });
M('i', 'nonzero');
FM('argwhere', 'b');
FM('count_nonzero', 'b', [0]);
F('searchsorted', [t('sorted'), t('x')]);
F('searchsorted', [t('sorted'), t('x')], { right: true });
F('searchsorted', [t('sorted'), 4]);
F('bucketize', [t('x'), t('sorted')]);
F('bucketize', [t('x'), t('sorted')], { right: true, out_int32: true });

// -- sorting and selection
FM('sort', 'x');
FM('sort', 'x', [0]);
FM('sort', 'x', [1, true]);
FM('sort', 'rep', [], { stable: true });
FM('sort', 'x', [], { stable: true, dim: 0, descending: true });
FM('argsort', 'x');
FM('argsort', 'x', [0, true]);
FM('msort', 'x');
FM('topk', 'x', [2]);
FM('topk', 'x', [2, 0]);
FM('topk', 'x', [3, 1, false]);
FM('topk', 'i', [1, -1, true, true]);
FM('unique', 'rep');
F('unique', [t('rep'), true, true]);
F('unique', [t('rep'), true, false, true]);
F('unique', [t('rep'), true, true, true]);
M('rep', 'unique', [true, true, true]);
F('unique', [t('j'), true, false, false, 1]);
F('unique_consecutive', [t('rep')]);
F('unique_consecutive', [t('rep'), true, true]);
M('rep', 'unique_consecutive', [false, true]);

// -- matrix products and linear algebra
FM('matmul', 'x', [t('xT')]);
FM('matmul', 'a3', [t('b3')]);
FM('matmul', 'x', [t('v')]);
FM('mm', 'm', [t('rhs')]);
FM('bmm', 'a3', [t('b3')]);
FM('mv', 'x', [t('v')]);
FM('dot', 'v', [t('w')]);
FM('vdot', 'c64', [t('c64')]);
FM('inner', 'x', [t('y')]);
F('einsum', ['ij,kj->ik', t('x'), t('y')]);
F('einsum', ['ij,kj->ik', [t('x'), t('y')]]);
F('einsum', ['bij,bjk->bik', t('a3'), t('b3')]);
F('einsum', ['ii', t('m')]);
F('einsum', ['i,j->ij', t('v'), t('w')]);
F('tensordot', [t('a3'), t('xT'), 1]);
F('tensordot', [t('a3'), t('b3'), [[1, 2], [2, 1]]]);
FM('addmm', 'm', [t('m'), t('m')]);
FM('addmm', 'm', [t('m'), t('m')], { beta: 0.5, alpha: 2 });
FM('addmv', 'v', [t('mf'), t('w')]);
FM('addr', 'x', [t('three'), t('v')]);
FM('baddbmm', 'sq3', [t('a3'), t('b3')]);
FM('det', 'm');
FM('logdet', 'm');
FM('slogdet', 'm');
FM('inverse', 'm');
FM('cholesky', 'm');
FM('matrix_power', 'm', [3]);
FM('matrix_exp', 'm');
FM('pinverse', 'tall');
F('linalg.norm', [t('x')]);
F('linalg.norm', [t('x'), 1, 1]);
F('linalg.norm', [t('m'), 'fro']);
F('linalg.norm', [t('m'), 'nuc']);
F('linalg.norm', [t('x'), null, [0, 1], true]);
F('linalg.norm', [t('v'), Infinity]);
F('linalg.vector_norm', [t('x'), 3]);
F('linalg.vector_norm', [t('x'), 2, [0]], { dtype: d('float64') });
F('linalg.matrix_norm', [t('m')]);
F('linalg.matrix_norm', [t('m'), 1]);
F('linalg.inv', [t('m')]);
F('linalg.inv_ex', [t('m')]);
F('linalg.det', [t('m')]);
F('linalg.slogdet', [t('m')]);
F('linalg.solve', [t('m'), t('rhs')]);
F('linalg.solve', [t('m'), t('rhsT')], { left: false });
F('linalg.svd', [t('m')]);
F('linalg.svd', [t('tall'), false]);
F('linalg.svdvals', [t('tall')]);
F('linalg.qr', [t('tall')]);
F('linalg.qr', [t('tall'), 'complete']);
F('linalg.cholesky', [t('m')]);
F('linalg.eigh', [t('m')]);
F('linalg.eigvalsh', [t('m')]);
F('linalg.eigvals', [t('m')]);
F('linalg.pinv', [t('tall')]);
F('linalg.matrix_rank', [t('tall')]);
F('linalg.matrix_power', [t('m'), -2]);
F('linalg.cond', [t('m')]);
F('linalg.lstsq', [t('tall'), t('tall')], undefined, { tol: 1e-6 });
F('linalg.lu_factor', [t('m')]);
F('linalg.cross', [t('v3a'), t('v3b')]);
F('linalg.multi_dot', [[t('m'), t('m'), t('rhs')]]);
F('linalg.matmul', [t('m'), t('rhs')]);
F('linalg.diagonal', [t('a3')]);
F('linalg.vander', [t('v')]);
F('linalg.householder_product', [t('tall'), { t: 'tau' }]);
F('svd', [t('tall')]);
F('qr', [t('tall')]);
F('cdist', [t('x'), t('y')]);
F('cdist', [t('x'), t('y'), 1.0]);
F('special.erf', [t('x')]);
F('special.expit', [t('x')]);
F('special.logsumexp', [t('x'), 1]);
F('special.xlog1py', [t('p'), t('p')]);
F('special.entr', [t('probs')]);
F('fft.fft', [t('v')]);
F('fft.rfft', [t('x')]);
F('fft.ifft', [t('c64')]);
F('fft.fftn', [t('x')]);
F('fft.fftfreq', [5]);

// -- activations and nn-ish functions exposed at torch.*
F('softmax', [t('x'), 1]);
F('softmax', [t('x'), 0, d('float64')]);
F('log_softmax', [t('x'), -1]);
M('x', 'softmax', [1]);
M('x', 'log_softmax', [0]);
FM('hardshrink', 'x', [1.0]);
F('celu', [t('x')]);
F('selu', [t('x')]);
F('threshold', [t('x'), 0.5, -1.0]);
F('prelu', [t('x'), { t: 'one' }]);
F('rrelu', [t('x')], undefined, { seed: 5 });
F('pdist', [t('x')]);
F('cosine_similarity', [t('x'), t('y')]);
F('pairwise_distance', [t('x'), t('y')]);
F('cumulative_trapezoid', [t('x')]);
F('trapezoid', [t('x')]);
F('vander', [t('v')]);
F('tril_indices', [3, 3]);
F('triu_indices', [3, 4, 1]);
F('logspace', [0, 2, 5]);
F('linspace', [-1, 1, 5], { dtype: d('float64') });
F('arange', [5]);
F('arange', [0, 1, 0.25]);
F('arange', [1, 10, 3], { dtype: d('float32') });
F('full', [[2, 2], 7]);
F('full', [[2], 0.5]);
F('full', [[2], true]);
F('eye', [3]);
F('eye', [2, 3], { dtype: d('int32') });
F('zeros', [[2, 3]], { dtype: d('bfloat16') });
F('ones', [[2]], { dtype: d('complex64') });
F('scalar_tensor', [3.5]);
F('hann_window', [5]);
F('kaiser_window', [6, false]);

// -- random sampling with explicit generators, and the global seed
F('rand', [[3, 2]], { generator: g(0) });
F('randn', [[5]], { generator: g(1) });
F('randn', [[3]], { generator: g(1), dtype: d('float64') });
F('randint', [0, 10, [6]], { generator: g(2) });
F('randint', [5, [2, 3]], { generator: g(3) });
F('randperm', [7], { generator: g(4) });
F('normal', [0.0, 1.0, [4]], { generator: g(5) });
F('normal', [t('x'), 0.5], { generator: g(6) });
F('normal', [t('x'), t('p')], { generator: g(7) });
F('bernoulli', [t('half01')], { generator: g(8) });
F('bernoulli', [t('half01'), 0.3], { generator: g(9) });
F('multinomial', [t('probs'), 3], { generator: g(10) });
F('multinomial', [t('probs'), 6, true], { generator: g(11) });
F('poisson', [t('rates'), g(12)]);
M('x', 'uniform_', [-2, 2], { generator: g(13) });
M('x', 'normal_', [1, 0.5], { generator: g(14) });
M('x', 'exponential_', [2.0], { generator: g(15) });
M('x', 'geometric_', [0.3], { generator: g(16) });
M('x', 'log_normal_', [], { generator: g(17) });
M('x', 'cauchy_', [], { generator: g(18) });
M('x', 'random_', [0, 10], { generator: g(19) });
M('x', 'random_', [5], { generator: g(20) });
M('x', 'bernoulli_', [0.25], { generator: g(21) });
F('rand', [[4]], undefined, { seed: 3 });
F('randn', [[2, 2]], undefined, { seed: 3 });
F('randint', [0, 100, [5]], undefined, { seed: 4 });
F('randperm', [6], undefined, { seed: 4 });
F('dropout', [t('x'), 0.5, true], undefined, { seed: 5 });
F('rand_like', [t('x')], undefined, { seed: 6 });
F('randn_like', [t('d')], undefined, { seed: 6 });
F('randint_like', [t('x'), 10], undefined, { seed: 6 });
M('x', 'uniform_', [], undefined, { seed: 7 });

// -- in-place variants return self, mutated
for (const op of ['abs_', 'neg_', 'exp_', 'sin_', 'tanh_', 'sigmoid_', 'relu_', 'floor_', 'round_', 'sign_', 'square_', 'zero_']) M('x', op);
M('p', 'sqrt_');
M('p', 'log_');
M('x', 'add_', [t('y')]);
M('x', 'add_', [2], { alpha: 3 });
M('x', 'sub_', [t('v')]);
M('x', 'mul_', [0.5]);
M('x', 'div_', [t('p')]);
M('x', 'div_', [t('p')], { rounding_mode: 'floor' });
M('x', 'pow_', [2]);
M('x', 'clamp_', [-1, 1]);
M('x', 'clamp_min_', [0]);
M('x', 'fill_', [3.25]);
M('x', 'masked_fill_', [t('b'), 0]);
M('x', 'copy_', [t('i')]);
M('x', 'lerp_', [t('y'), 0.5]);
M('x', 'addcmul_', [t('y'), t('p')], { value: 2 });
M('x', 'scatter_', [1, t('j'), t('y')]);
M('x', 'scatter_add_', [1, t('j'), t('y')]);
M('x', 'index_add_', [0, t('idx'), t('y')]);
M('x', 'index_fill_', [1, t('idx'), 0]);
M('x', 'cumsum_', [1]);
M('x', 'tril_', []);
M('x', 'transpose_', [0, 1]);
M('col', 'squeeze_', []);
M('v', 'unsqueeze_', [0]);
M('x', 't_');
M('i', 'bitwise_and_', [t('j')]);
M('b', 'logical_or_', [t('bb')]);
M('x', 'nan_to_num_', []);
M('x', 'requires_grad_');
F('relu_', [t('x')]);
F('sigmoid_', [t('x')]);

// -- errors: both sides refuse
F('add', [t('x'), t('a3')]);
F('mm', [t('x'), t('y')]);
F('cat', [[t('x'), t('v')]]);
M('x', 'view', [5, 5]);
F('linalg.inv', [t('x')]);

// Inputs some cases above name (made here so the table stays literal data).
INPUTS.jrow = { dtype: 'int64', data: [[2, 0, 1, 1]] };
INPUTS.three = { dtype: 'float32', data: [1.0, -1.0, 2.0] };
INPUTS.xT = { dtype: 'float32', data: X[0]!.map((_, c) => X.map((r) => r[c]!)) };
INPUTS.sq3 = { dtype: 'float32', data: nest(A3.slice(0, 18).map((a) => a * 0.25), [2, 3, 3]) };
INPUTS.rhsT = { dtype: 'float64', data: [[1, 0, 3, -2], [2, -1, 0.5, 1]] };
INPUTS.v3a = { dtype: 'float32', data: [[1, 2, 3], [-1, 0.5, 2]] };
INPUTS.v3b = { dtype: 'float32', data: [[0.5, -1, 4], [3, 1, -2]] };
INPUTS.tau = { dtype: 'float64', data: [1.2, 0.5, 1.8] };
INPUTS.one = { dtype: 'float32', data: [0.25] };

// ---- running a case in torch-node -----------------------------------------------------------

type Enc =
  | { dtype: string; shape: number[]; values: (number | boolean)[] }
  | { seq: Enc[]; names?: string[] }
  | { dtype_value: string }
  | { py: unknown }
  | { error: string };

function makeInputs(): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const [name, s] of Object.entries(INPUTS)) {
    if ('re' in s) {
      const re = torch.tensor(s.re as number[], { dtype: 'float64' });
      const im = torch.tensor(s.im as number[], { dtype: 'float64' });
      out[name] = torch.complex(re, im).to(s.dtype);
    } else {
      out[name] = torch.tensor(s.data as torch.NestedArray<number>, { dtype: s.dtype });
    }
  }
  return out;
}

function jsArg(a: Arg, inputs: Record<string, torch.Tensor>): unknown {
  if (Array.isArray(a)) return a.map((x) => jsArg(x, inputs));
  if (a !== null && typeof a === 'object') {
    if ('t' in a) {
      const v = inputs[a.t];
      if (!v) throw new Error(`no input ${a.t}`);
      return v;
    }
    if ('d' in a) return a.d;
    if ('g' in a) return new torch.Generator().manual_seed(a.g);
    if ('dev' in a) return new torch.device(a.dev);
    if ('tuple' in a) return a.tuple.map((x) => jsArg(x, inputs));
  }
  return a;
}

type Callable = (...args: unknown[]) => unknown;

function runJs(c: Case, inputs: Record<string, torch.Tensor>): { result: unknown; self?: torch.Tensor } {
  if (c.seed !== undefined) torch.manual_seed(c.seed);
  const args = (c.args ?? []).map((a) => jsArg(a, inputs));
  if (c.kw) {
    const kw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.kw)) kw[k] = jsArg(v, inputs);
    args.push(kw);
  }
  if (c.m !== undefined) {
    let self = inputs[c.self!]!;
    if (c.m.endsWith('_')) self = self.clone();
    const member = (self as unknown as Record<string, unknown>)[c.m];
    if (c.prop) return { result: member, self };
    if (typeof member !== 'function') throw new TypeError(`Tensor has no method ${c.m}`);
    return { result: (member as Callable).apply(self, args), self };
  }
  let fn: unknown = torch;
  for (const part of c.f!.split('.')) fn = (fn as Record<string, unknown>)[part];
  if (typeof fn !== 'function') throw new TypeError(`torch.${c.f} is not a function`);
  if (c.f!.endsWith('_') && args[0] instanceof torch.Tensor) args[0] = args[0].clone();
  return { result: (fn as Callable)(...args) };
}

function values(x: torch.Tensor): (number | boolean)[] {
  const dt = x.dtype;
  if (dt === 'bool') return Array.from(x.toTypedArray() as Uint8Array, (v) => v !== 0);
  if (dt === 'float16' || dt === 'bfloat16') return Array.from(x.float().toTypedArray() as Float32Array);
  return Array.from(x.toTypedArray() as ArrayLike<number | bigint>, (v) => Number(v));
}

function enc(r: unknown): Enc {
  if (r instanceof torch.Tensor) return { dtype: r.dtype, shape: r.shape, values: values(r) };
  if (Array.isArray(r)) {
    const e: { seq: Enc[]; names?: string[] } = { seq: r.map(enc) };
    const names = Object.keys(r).filter((k) => !/^\d+$/.test(k));
    if (names.length) e.names = names;
    return e;
  }
  if (typeof r === 'string' && isDtype(r)) return { dtype_value: r };
  return { py: r };
}

/** ops_parity.py writes NaN and infinities as 'nan', 'inf', '-inf'. */
function decodeNonFinite<T>(v: T): T {
  const walk = (x: unknown): unknown => {
    if (x === 'nan') return NaN;
    if (x === 'inf') return Infinity;
    if (x === '-inf') return -Infinity;
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) o[k] = k === 'error' || k === 'dtype' || k === 'names' ? y : walk(y);
      return o;
    }
    return x;
  };
  return walk(v) as T;
}

// ---- comparing ---------------------------------------------------------------------------------

function closeEnough(a: number | boolean, b: number | boolean, tol: number): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  if (tol === 0) return false;
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-30) || Math.abs(a - b) <= tol * 1e-3;
}

function compare(js: Enc, py: Enc, tol: number, path = 'result'): string | null {
  if ('error' in py) {
    if (!('error' in js)) return `${path}: Python raised (${py.error}) but torch-node returned`;
    // libtorch's own errors (RuntimeError in Python) read the same on both sides.
    const m = /^RuntimeError: (.*)$/.exec(py.error);
    if (m && !js.error.includes(m[1]!)) return `${path}: error "${js.error}" vs Python "${m[1]}"`;
    return null;
  }
  if ('error' in js) return `${path}: torch-node raised ${js.error}`;
  if ('seq' in py) {
    if (!('seq' in js)) return `${path}: expected a sequence, got ${JSON.stringify(js).slice(0, 80)}`;
    if (js.seq.length !== py.seq.length) return `${path}: ${js.seq.length} results, Python has ${py.seq.length}`;
    if (py.names && JSON.stringify(js.names ?? []) !== JSON.stringify(py.names)) {
      return `${path}: return names ${JSON.stringify(js.names)} vs Python ${JSON.stringify(py.names)}`;
    }
    for (let k = 0; k < py.seq.length; k++) {
      const m = compare(js.seq[k]!, py.seq[k]!, tol, `${path}[${k}]`);
      if (m) return m;
    }
    return null;
  }
  if ('dtype_value' in py) return 'dtype_value' in js && js.dtype_value === py.dtype_value ? null : `${path}: dtype ${JSON.stringify(js)} vs ${py.dtype_value}`;
  if ('py' in py) {
    if (!('py' in js)) return `${path}: expected ${JSON.stringify(py.py)}, got ${JSON.stringify(js).slice(0, 80)}`;
    if (typeof py.py === 'number' && typeof js.py === 'number') return closeEnough(js.py, py.py, tol) ? null : `${path}: ${js.py} vs ${py.py}`;
    return JSON.stringify(js.py) === JSON.stringify(py.py) ? null : `${path}: ${JSON.stringify(js.py)} vs ${JSON.stringify(py.py)}`;
  }
  if (!('values' in js)) return `${path}: expected a tensor, got ${JSON.stringify(js).slice(0, 80)}`;
  if (js.dtype !== py.dtype) return `${path}: dtype ${js.dtype} vs Python ${py.dtype}`;
  if (JSON.stringify(js.shape) !== JSON.stringify(py.shape)) return `${path}: shape [${js.shape}] vs Python [${py.shape}]`;
  if (js.values.length !== py.values.length) return `${path}: ${js.values.length} values vs ${py.values.length}`;
  for (let k = 0; k < py.values.length; k++) {
    if (!closeEnough(js.values[k]!, py.values[k]!, tol)) return `${path}: value ${k}: ${js.values[k]} vs Python ${py.values[k]} (tol ${tol})`;
  }
  return null;
}

interface PythonNames {
  tensor: string[];
  torch: string[];
  linalg: string[];
  special: string[];
  fft: string[];
}
let pythonNames: PythonNames | null = null;

// ---- the test ---------------------------------------------------------------------------------

describe.skipIf(!python)(`operators vs Python PyTorch ${python ? '' : pythonMissingReason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-parity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const casesPath = join(dir, 'cases.json');
  const runnable = cases.filter((c) => c.f !== undefined || c.m !== undefined);
  // Python's json reads NaN and Infinity literals, which JSON.stringify would turn into null.
  const json = JSON.stringify({ inputs: INPUTS, cases: runnable }, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? `__${v}__` : v,
  ).replace(/"__(NaN|Infinity|-Infinity)__"/g, '$1');
  writeFileSync(casesPath, json);
  const pyCode = readFileSync(new URL('./ops_parity.py', import.meta.url), 'utf8');
  const fromPython = python
    ? runPython<{ results: Record<string, Enc>; names: PythonNames }>(
        `${pyCode}\nout = {'results': run_all(${JSON.stringify(casesPath)}), 'names': {'tensor': dir(torch.Tensor), 'torch': dir(torch), 'linalg': dir(torch.linalg), 'special': dir(torch.special), 'fft': dir(torch.fft)}}`,
      )
    : null;
  const ref = fromPython ? decodeNonFinite(fromPython.results) : {};
  pythonNames = fromPython?.names ?? null;
  const inputs = makeInputs();

  it('has a table of at least 300 op calls', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(300);
    if (process.env.PARITY_LIST_ERRORS) {
      for (const c of runnable) if ('error' in (ref[c.id] ?? {})) console.log('PYERR', c.id, JSON.stringify(ref[c.id]));
      console.log('CASES', runnable.length);
    }
  });

  it('leaves the inputs untouched (in-place cases work on clones)', () => {
    for (const c of runnable) {
      try {
        runJs(c, inputs);
      } catch {
        // errors are checked per case below
      }
    }
    const again = makeInputs();
    for (const name of Object.keys(INPUTS)) expect(enc(inputs[name]), name).toEqual(enc(again[name]));
  });

  for (const c of runnable) {
    it(c.id, () => {
      const py = ref[c.id];
      expect(py, 'Python produced no result').toBeDefined();
      let js: Enc;
      let out: { result: unknown; self?: torch.Tensor } | undefined;
      try {
        out = runJs(c, inputs);
        js = enc(out.result);
      } catch (e) {
        js = { error: (e as Error).message };
      }
      const problem = compare(js, py!, c.tol ?? 0);
      expect(problem, `${c.id}\n  torch-node: ${JSON.stringify(js).slice(0, 300)}\n  Python:     ${JSON.stringify(py).slice(0, 300)}`).toBeNull();
      // In-place methods hand back the very tensor they modified, as Python does.
      if (c.m?.endsWith('_') && out) expect(out.result).toBe(out.self);
    });
  }
});

describe('generated API surface', () => {
  it.skipIf(!python)('every generated Tensor method and torch.* function is one Python has', () => {
    const py = pythonNames!;
    expect(generatedMethodNames.filter((n) => !py.tensor.includes(n))).toEqual([]);
    const fns = Object.keys(generatedFunctions);
    expect(fns.length).toBeGreaterThan(400);
    expect(fns.filter((n) => !py.torch.includes(n))).toEqual([]);
    // and torch.* exposes them (no name lost to an ambiguous re-export)
    expect(fns.filter((n) => typeof (torch as Record<string, unknown>)[n] !== 'function')).toEqual([]);
    for (const ns of ['linalg', 'special', 'fft'] as const) {
      const names = Object.keys(torch[ns]);
      expect(names.length).toBeGreaterThan(10);
      expect(names.filter((n) => !py[ns].includes(n))).toEqual([]);
    }
  });

  it.skipIf(!python)('lib/generated/ is what scripts/gen/gen-ops.mjs makes of the current sources, or (on another libtorch) every op it names resolves', () => {
    // Stale output could shadow a newer hand-written method, so regeneration is checked, not assumed.
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/gen/gen-ops.mjs', import.meta.url)), '--check'], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).not.toMatch(/out of date/);
    if (r.status === 3) {
      // Made from another torch's yaml (lib/generated/source.json): the wrappers still call ops by
      // name, so each must exist in this libtorch, except overloads that this version's ATen
      // dropped and its Python refuses as well (torch.symeig raises; torch.frobenius_norm needs dim).
      const removedInThisVersion = new Set(['symeig.', 'frobenius_norm.']);
      const unresolved: string[] = [];
      for (const file of ['functions', 'tensor_methods', 'linalg', 'special', 'fft']) {
        const text = readFileSync(fileURLToPath(new URL(`../lib/generated/${file}.ts`, import.meta.url)), 'utf8');
        for (const m of text.matchAll(/\bop\('([^']*)'(?:, '([^']*)')?\)/g)) {
          try {
            void op(m[1]!, m[2] ?? '').id;
          } catch {
            unresolved.push(`${m[1]}.${m[2] ?? ''}`);
          }
        }
      }
      expect([...new Set(unresolved)].filter((k) => !removedInThisVersion.has(k))).toEqual([]);
      return;
    }
    expect(r.status).toBe(0);
  });

  it('.cuda() fails clearly without CUDA, as Python does', () => {
    if (torch.cuda.is_available()) return;
    expect(() => torch.ones(2).cuda()).toThrow(/CUDA/);
  });

  it('named results destructure and carry their names', () => {
    const x = torch.tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float32' });
    const [values, indices] = x.topk(2);
    expect(values.tolist()).toEqual([[3, 2], [5, 4]]);
    expect(indices.tolist()).toEqual([[0, 2], [1, 2]]);
    expect(x.topk(1).values.shape).toEqual([2, 1]);
    const s = torch.sort(x, 1, true);
    expect(s.indices.tolist()).toEqual([[0, 2, 1], [1, 2, 0]]);
    const { Q, R } = torch.linalg.qr(torch.eye(2));
    expect(Q.shape).toEqual([2, 2]);
    expect(R.shape).toEqual([2, 2]);
  });

  it('overloads are picked by argument types, and a bad combination reads like Python', () => {
    const x = torch.arange(6, { dtype: 'float32' }).reshape(2, 3);
    expect(x.clamp_min(2).tolist()).toEqual([[2, 2, 2], [3, 4, 5]]);
    expect(x.clamp_min(torch.full([3], 4.0)).tolist()).toEqual([[4, 4, 4], [4, 4, 5]]);
    expect(x.split(1).length).toBe(2);
    expect(x.split([1, 2], 1).map((p) => p.shape)).toEqual([[2, 1], [2, 2]]);
    expect(() => (x.sort as unknown as Callable)('a')).toThrow(/sort\(\) received an invalid combination of arguments - got \(str\)/);
    expect(() => (x.cumsum as unknown as Callable)(0, { dtyp: 'float64' })).toThrow(/cumsum\(\) got an unexpected keyword argument 'dtyp'/);
  });
});
