// Python's math for the optimizers and schedulers, to the last bit.
//
// PyTorch computes bias corrections (beta ** step), NAdam's 0.96 ** (step *
// momentum_decay), the cosine schedules and the others with Python floats,
// that is with C's pow, cos and log from glibc. V8's Math.pow and Math.cos
// are other implementations: Math.pow(0.9, 4) is 0.6561000000000001 where
// Python gives 0.6561, and 7% of 0.999 ** k for k < 5000 differ in the last
// bit; even a correctly rounded implementation differs from glibc in about
// 0.1% of arguments (glibc's cos and pow are not correctly rounded, only
// within 0.52 ulp).
//
// So these functions call glibc itself, through libtorch kernels whose CPU
// loops call the scalar C function for each element (measured against
// Python on 75,000 pow, 29,000 cos and 21,000 log arguments: all identical):
// - pow: aten::pow.Tensor_Tensor on float64 inputs given with stride 2, so
//   that TensorIterator takes its scalar basic_loop (std::pow), never the
//   vectorized (Sleef) one;
// - cos: aten::polar(1, x), whose kernel is the scalar abs * std::cos(angle);
// - log: aten::xlogy(1, x), whose kernel is the scalar x * std::log(y).
// A call costs a few microseconds, so the optimizers' hot path reads powers
// from tables filled 256 exponents at a time (PowSeries).
import { op, wrap } from '../bridge.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';

const POW = op('pow', 'Tensor_Tensor');
const POLAR = op('polar');
const XLOGY = op('xlogy', 'Tensor');
const SLICE = op('slice', 'Tensor');
const VIEW_AS_REAL = op('view_as_real');
const SELECT = op('select', 'int');

/** A float64 tensor holding values at stride 2 (a non-contiguous view), so kernels take their scalar loop. */
function strided(values: ArrayLike<number>): [Tensor, Tensor] {
  const n = values.length;
  const buf = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) buf[2 * i] = values[i]!;
  const base = wrap(native.fromBytes(buf, 'float64', [2 * n]));
  return [base, SLICE.t(base, 0, 0, 2 * n, 2)];
}

function read(t: Tensor): Float64Array {
  return new Float64Array(native.toBytes(t));
}

/** C's pow(x[i], y[i]) for each i (Python's x ** y for floats). */
export function powMany(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  if (x.length === 0) return new Float64Array(0);
  const [xb, xv] = strided(x);
  const [yb, yv] = strided(y);
  const r = POW.t(xv, yv);
  const out = read(r);
  for (const t of [r, xv, xb, yv, yb]) t.dispose();
  return out;
}

/** C's cos(x[i]) for each i (Python's math.cos). */
export function cosMany(x: ArrayLike<number>): Float64Array {
  if (x.length === 0) return new Float64Array(0);
  const angle = wrap(native.fromBytes(Float64Array.from(x), 'float64', [x.length]));
  const ones = wrap(native.fromBytes(new Float64Array(x.length).fill(1), 'float64', [x.length]));
  const c = POLAR.t(ones, angle);
  const re = VIEW_AS_REAL.t(c);
  const real = SELECT.t(re, 1, 0);
  const out = read(real);
  for (const t of [real, re, c, ones, angle]) t.dispose();
  return out;
}

/** C's log(x[i]) for each i (Python's math.log). */
export function logMany(x: ArrayLike<number>): Float64Array {
  if (x.length === 0) return new Float64Array(0);
  const v = wrap(native.fromBytes(Float64Array.from(x), 'float64', [x.length]));
  const ones = wrap(native.fromBytes(new Float64Array(x.length).fill(1), 'float64', [x.length]));
  const r = XLOGY.t(ones, v);
  const out = read(r);
  for (const t of [r, ones, v]) t.dispose();
  return out;
}

/** Python's x ** y for floats. */
export function pow(x: number, y: number): number {
  // Python's float_pow answers these itself, before calling C's pow.
  if (y === 0 || x === 1) return 1;
  return powMany([x], [y])[0]!;
}

/** Python's math.cos. */
export function cos(x: number): number {
  return cosMany([x])[0]!;
}

/** Python's math.log(x), or math.log(x, base) = log(x) / log(base) in doubles, as Python computes it. */
export function log(x: number, base?: number): number {
  if (!(x > 0)) {
    if (x === 0) throw new RangeError('math domain error');
    if (x < 0 || Number.isNaN(x)) throw new RangeError('math domain error');
  }
  if (base === undefined) return logMany([x])[0]!;
  const [a, b] = logMany([x, base]);
  return a! / b!;
}

/** Python's math.sqrt (IEEE square root, the same in JS). */
export const sqrt = Math.sqrt;

/** Python's math.floor for finite values. */
export const floor = Math.floor;

const CHUNK = 256;

/**
 * base ** (k * scale) for integer k >= 0, k * scale rounded as a double first
 * (as Python's `base ** (step * scale)`, step a float holding an integer):
 * Adam's beta ** step is scale 1, NAdam's 0.96 ** (step * momentum_decay) is
 * scale momentum_decay. Values come from glibc's pow, 256 at a time.
 */
export class PowSeries {
  private start = -1;
  private values: Float64Array = new Float64Array(0);

  constructor(readonly base: number, readonly scale = 1) {}

  at(k: number): number {
    if (!Number.isInteger(k) || k < 0) return pow(this.base, k * this.scale);
    const i = k - this.start;
    if (this.start < 0 || i < 0 || i >= this.values.length) {
      this.start = k;
      const xs = new Float64Array(CHUNK).fill(this.base);
      const ys = new Float64Array(CHUNK);
      for (let j = 0; j < CHUNK; j++) ys[j] = (k + j) * this.scale;
      this.values = powMany(xs, ys);
      // Python's float_pow short-cuts exponent 0 and base 1 to 1.0 before calling C.
      for (let j = 0; j < CHUNK; j++) if (ys[j] === 0 || this.base === 1) this.values[j] = 1;
      return this.values[0]!;
    }
    return this.values[i]!;
  }
}

const series = new Map<string, PowSeries>();

/** base ** (k * scale) through a shared PowSeries (see there). */
export function powStep(base: number, k: number, scale = 1): number {
  const key = `${base}:${scale}`;
  let s = series.get(key);
  if (s === undefined) {
    if (series.size > 64) series.clear();
    series.set(key, (s = new PowSeries(base, scale)));
  }
  return s.at(k);
}
