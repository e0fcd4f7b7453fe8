/**
 * Tensor printing: a port of PyTorch 1.13's `torch/_tensor_str.py`.
 *
 * `tensorRepr` returns exactly the string Python's `repr(t)` gives for a
 * strided, dense tensor (plus `nn.Parameter`), honouring the global print
 * options set with `set_printoptions`. Sparse, quantized, nested, named,
 * meta and functorch-wrapped tensors are out of scope.
 *
 * Names mirror the Python source (`_Formatter`, `_tensor_str`, ...) so the
 * two can be read side by side.
 */

export type DTypeName =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'complex128';

export interface TensorReprInput {
  shape: readonly number[];
  dtype: DTypeName;
  /** Row-major flat values of the whole tensor. int64 may come as BigInt64Array or bigint values; bool as 0/1 numbers or booleans; complex as interleaved [re, im, re, im, ...] (length 2*numel). float16/bfloat16 arrive already widened to numbers. */
  values: ArrayLike<number | bigint | boolean>;
  device: string; // 'cpu', 'cuda:0', ...
  requiresGrad: boolean;
  gradFn: string | null; // e.g. 'AddBackward0' -> suffix ", grad_fn=<AddBackward0>"
  isParameter?: boolean; // Parameter containing:\n tensor(...)  as Python prints nn.Parameter
}

export interface PrintOptions {
  precision?: number;
  threshold?: number;
  edgeitems?: number;
  linewidth?: number;
  sci_mode?: boolean | null;
  profile?: 'default' | 'short' | 'full';
}

// ---------------------------------------------------------------------------
// Print options (torch._tensor_str.PRINT_OPTS)
// ---------------------------------------------------------------------------

interface PrinterOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sci_mode: boolean | null;
}

const PRINT_OPTS: PrinterOptions = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sci_mode: null,
};

/** Same semantics as `torch.set_printoptions`. */
export function set_printoptions(options: PrintOptions): void {
  switch (options.profile) {
    case 'default':
      Object.assign(PRINT_OPTS, { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 });
      break;
    case 'short':
      Object.assign(PRINT_OPTS, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
      break;
    case 'full':
      Object.assign(PRINT_OPTS, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
      break;
    case undefined:
      break;
  }
  if (options.precision != null) PRINT_OPTS.precision = options.precision;
  if (options.threshold != null) PRINT_OPTS.threshold = options.threshold;
  if (options.edgeitems != null) PRINT_OPTS.edgeitems = options.edgeitems;
  if (options.linewidth != null) PRINT_OPTS.linewidth = options.linewidth;
  // Python assigns sci_mode unconditionally: any call without it resets it to None.
  PRINT_OPTS.sci_mode = options.sci_mode ?? null;
}

// ---------------------------------------------------------------------------
// Exact Python float formatting ('{:.Nf}' and '{:.Ne}')
//
// JS toFixed/toExponential break exact ties upwards, while Python rounds the
// exact binary value half-to-even (format(0.03125, '.4f') == '0.0312'), and
// toFixed switches to exponent notation at 1e21. So both are done here with
// BigInt arithmetic on the exact value mantissa * 2**exponent.
// ---------------------------------------------------------------------------

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** |x| == mant * 2**exp exactly, for finite x. */
function decompose(x: number): { mant: bigint; exp: number } {
  f64[0] = x;
  const bits = u64[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mant: frac, exp: -1074 }; // zero or subnormal
  return { mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** round(num / den) with ties to even, for num >= 0, den > 0. */
function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twiceRem = 2n * (num - q * den);
  if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** round(|x| * 10**k) with ties to even, computed exactly. */
function scaledRound(x: number, k: number): bigint {
  const { mant, exp } = decompose(x);
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  return divRoundHalfEven(num, den);
}

/** Python keeps the sign of negative values that round to zero, and of -0.0. */
function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** Python's nan/inf spelling, shared by the 'f' and 'e' presentations. */
function nonFiniteStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** Python `'{:.<digits>f}'.format(x)`. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFiniteStr(x);
  const str = scaledRound(x, digits).toString().padStart(digits + 1, '0');
  if (digits === 0) return signOf(x) + str;
  return signOf(x) + str.slice(0, -digits) + '.' + str.slice(-digits);
}

/** Python `'{:.<digits>e}'.format(x)`: exponent has a sign and at least 2 digits. */
export function formatExp(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFiniteStr(x);
  let exponent = 0;
  let n = 0n;
  if (x !== 0) {
    // log10 only estimates the decimal exponent; correct it until the rounded
    // mantissa has exactly digits + 1 digits (rounding can carry into a new digit).
    exponent = Math.floor(Math.log10(Math.abs(x)));
    const lower = 10n ** BigInt(digits);
    for (;;) {
      n = scaledRound(x, digits - exponent);
      if (n >= lower * 10n) exponent += 1;
      else if (n < lower) exponent -= 1;
      else break;
    }
  }
  const str = n.toString().padStart(digits + 1, '0');
  const mantissa = digits === 0 ? str : str[0] + '.' + str.slice(1);
  const expSign = exponent < 0 ? '-' : '+';
  return signOf(x) + mantissa + 'e' + expSign + String(Math.abs(exponent)).padStart(2, '0');
}

/** Python `str(int)` / `str(bool)` for a value of an integer or bool tensor. */
function intToString(value: number | bigint | boolean, dtype: DTypeName): string {
  if (dtype === 'bool') return value === true || Number(value) !== 0 ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  const num = Number(value);
  // String() would use exponent notation past 1e21; BigInt prints every digit.
  return Number.isSafeInteger(num) ? String(num) : BigInt(num).toString();
}

// ---------------------------------------------------------------------------
// _Formatter
// ---------------------------------------------------------------------------

/**
 * Port of `_Formatter`: decides, from the values that will be shown, between
 * integer-looking floats ("1."), fixed point and scientific notation, and the
 * common width every element is padded to.
 */
class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: readonly (number | bigint | boolean)[], private readonly dtype: DTypeName) {
    this.floating = isFloatingOrComplex(dtype);
    if (!this.floating) {
      for (const v of values) this.widen(intToString(v, dtype).length);
      return;
    }
    const nonzeroFinite = values.map(Number).filter((v) => Number.isFinite(v) && v !== 0);
    // Python returns early here, so a forced PRINT_OPTS.sci_mode is ignored too.
    if (nonzeroFinite.length === 0) return;
    this.measureFloats(nonzeroFinite);
    if (PRINT_OPTS.sci_mode !== null) this.sciMode = PRINT_OPTS.sci_mode;
  }

  private widen(len: number): void {
    this.maxWidth = Math.max(this.maxWidth, len);
  }

  /** Chooses int/sci mode and the width from the nonzero finite values. */
  private measureFloats(vals: readonly number[]): void {
    // A loop rather than Math.max(...vals): spreading a big tensor overflows the stack.
    let max = 0;
    let min = Infinity;
    for (const v of vals) {
      max = Math.max(max, Math.abs(v));
      min = Math.min(min, Math.abs(v));
    }
    const { precision } = PRINT_OPTS;
    this.intMode = vals.every((v) => v === Math.ceil(v));
    const ratioTooLarge = max / min > 1000.0 || max > 1.0e8;
    if (this.intMode) {
      if (ratioTooLarge) {
        this.sciMode = true;
        for (const v of vals) this.widen(formatExp(v, precision).length);
      } else {
        // +1 for the "." appended to show the tensor is floating point.
        for (const v of vals) this.widen(formatFixed(v, 0).length + 1);
      }
    } else if (ratioTooLarge || min < 1.0e-4) {
      this.sciMode = true;
      for (const v of vals) this.widen(formatExp(v, precision).length);
    } else {
      for (const v of vals) this.widen(formatFixed(v, precision).length);
    }
  }

  width(): number {
    return this.maxWidth;
  }

  format(value: number | bigint | boolean): string {
    let ret: string;
    if (!this.floating) {
      ret = intToString(value, this.dtype);
    } else {
      const v = Number(value);
      if (this.sciMode) ret = formatExp(v, PRINT_OPTS.precision);
      else if (this.intMode) ret = formatFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
      else ret = formatFixed(v, PRINT_OPTS.precision);
    }
    return ret.padStart(this.maxWidth, ' ');
  }
}

function isComplex(dtype: DTypeName): boolean {
  return dtype === 'complex64' || dtype === 'complex128';
}

function isFloatingOrComplex(dtype: DTypeName): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16' || isComplex(dtype);
}

// ---------------------------------------------------------------------------
// Row-major views: a sub-tensor self[i] is just a shape and a flat offset.
// ---------------------------------------------------------------------------

interface View {
  shape: readonly number[];
  offset: number;
}

function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function subView(view: View, i: number): View {
  const inner = view.shape.slice(1);
  return { shape: inner, offset: view.offset + i * numelOf(inner) };
}

/**
 * Start of Python's `self[-k:]`. With k == 0 that slice is the whole
 * dimension (-0 == 0), a quirk `_vector_str` and `get_summarized_data` keep.
 */
function tailStart(size: number, k: number): number {
  return k === 0 ? 0 : Math.max(0, size - k);
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

/** Flat indices of the elements `get_summarized_data` keeps, in order. */
function summarizedIndices(view: View, out: number[] = []): number[] {
  const { shape, offset } = view;
  const edge = PRINT_OPTS.edgeitems;
  if (shape.length === 0) {
    out.push(offset);
  } else if (shape.length === 1) {
    const size = shape[0]!;
    const rows = size > 2 * edge ? [...range(0, edge), ...range(tailStart(size, edge), size)] : range(0, size);
    for (const i of rows) out.push(offset + i);
  } else {
    const size = shape[0]!;
    const rows = size > 2 * edge ? [...range(0, edge), ...range(size - edge, size)] : range(0, size);
    for (const i of rows) summarizedIndices(subView(view, i), out);
  }
  return out;
}

// ---------------------------------------------------------------------------
// _tensor_str
// ---------------------------------------------------------------------------

/** How one element prints, and the width `_vector_str` budgets for it. */
interface ElementPrinter {
  elementLength: number;
  format(flatIndex: number): string;
}

function realPrinter(values: TensorReprInput['values'], indices: number[], dtype: DTypeName): ElementPrinter {
  const formatter = new Formatter(indices.map((i) => values[i]!), dtype);
  return {
    // length includes spaces and comma between elements
    elementLength: formatter.width() + 2,
    format: (i) => formatter.format(values[i]!),
  };
}

/** Complex elements: real and imaginary parts get independent formatters. */
function complexPrinter(values: TensorReprInput['values'], indices: number[], dtype: DTypeName): ElementPrinter {
  const re = (i: number): number => Number(values[2 * i]);
  const im = (i: number): number => Number(values[2 * i + 1]);
  const realFormatter = new Formatter(indices.map(re), dtype);
  const imagFormatter = new Formatter(indices.map(im), dtype);
  return {
    // width for imag_formatter + an extra j for complex
    elementLength: realFormatter.width() + 2 + imagFormatter.width() + 1,
    format: (i) => {
      const realStr = realFormatter.format(re(i));
      const imagStr = (imagFormatter.format(im(i)) + 'j').trimStart();
      // negative numbers and -0.0 already carry their sign
      if (imagStr[0] === '+' || imagStr[0] === '-') return realStr + imagStr;
      return realStr + '+' + imagStr;
    },
  };
}

function vectorStr(view: View, indent: number, summarize: boolean, printer: ElementPrinter): string {
  const elementsPerLine = Math.max(1, Math.floor((PRINT_OPTS.linewidth - indent) / printer.elementLength));
  const size = view.shape[0]!;
  const edge = PRINT_OPTS.edgeitems;
  const fmt = (i: number): string => printer.format(view.offset + i);
  const data =
    summarize && size > 2 * edge
      ? [...range(0, edge).map(fmt), ' ...', ...range(tailStart(size, edge), size).map(fmt)]
      : range(0, size).map(fmt);
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += elementsPerLine) {
    lines.push(data.slice(i, i + elementsPerLine).join(', '));
  }
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function tensorStrWithFormatter(view: View, indent: number, summarize: boolean, printer: ElementPrinter): string {
  const dim = view.shape.length;
  if (dim === 0) return printer.format(view.offset);
  if (dim === 1) return vectorStr(view, indent, summarize, printer);

  const size = view.shape[0]!;
  const edge = PRINT_OPTS.edgeitems;
  const slice = (i: number): string => tensorStrWithFormatter(subView(view, i), indent + 1, summarize, printer);
  const slices =
    summarize && size > 2 * edge
      ? [...range(0, edge).map(slice), '...', ...range(size - edge, size).map(slice)]
      : range(0, size).map(slice);
  // Higher-dimensional slices are separated by dim - 1 line breaks.
  return '[' + slices.join(',' + '\n'.repeat(dim - 1) + ' '.repeat(indent + 1)) + ']';
}

function tensorStr(t: TensorReprInput, indent: number): string {
  const numel = numelOf(t.shape);
  if (numel === 0) return '[]';
  const summarize = numel > PRINT_OPTS.threshold;
  const view: View = { shape: t.shape, offset: 0 };
  // The formatter only looks at the elements that will actually be shown.
  const indices = summarize ? summarizedIndices(view) : range(0, numel);
  const printer = isComplex(t.dtype)
    ? complexPrinter(t.values, indices, t.dtype)
    : realPrinter(t.values, indices, t.dtype);
  return tensorStrWithFormatter(view, indent, summarize, printer);
}

// ---------------------------------------------------------------------------
// _str_intern
// ---------------------------------------------------------------------------

function addSuffixes(tensorString: string, suffixes: readonly string[], indent: number): string {
  const parts = [tensorString];
  // Python's arithmetic, including its +1 (and +2 when there is no newline).
  let lastLineLen = tensorString.length - tensorString.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > PRINT_OPTS.linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** Python's `str(tuple(shape))`: "(0,)" for one element, "(0, 3)" otherwise. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Assumes the default dtype is float32 (so complex64 is the default complex dtype). */
function hasDefaultDtype(dtype: DTypeName): boolean {
  return dtype === 'float32' || dtype === 'complex64' || dtype === 'int64' || dtype === 'bool';
}

function checkInput(t: TensorReprInput): void {
  const expected = numelOf(t.shape) * (isComplex(t.dtype) ? 2 : 1);
  if (t.values.length < expected) {
    throw new RangeError(`tensorRepr: shape [${t.shape.join(', ')}] needs ${expected} values, got ${t.values.length}`);
  }
}

/** Exactly what Python's `repr(tensor)` prints (default device cpu, default dtype float32). */
export function tensorRepr(t: TensorReprInput): string {
  checkInput(t);
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];

  if (t.device.split(':')[0] !== 'cpu') suffixes.push(`device='${t.device}'`);

  let body: string;
  if (numelOf(t.shape) === 0) {
    // Explicitly print the shape if it is not (0,), to match NumPy behavior
    if (t.shape.length !== 1) suffixes.push('size=' + pyTuple(t.shape));
    // No elements to infer the dtype from, so anything but float32 is shown (even int64).
    if (t.dtype !== 'float32') suffixes.push('dtype=torch.' + t.dtype);
    body = '[]';
  } else {
    if (!hasDefaultDtype(t.dtype)) suffixes.push('dtype=torch.' + t.dtype);
    body = tensorStr(t, indent);
  }

  if (t.gradFn !== null) suffixes.push(`grad_fn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');

  const repr = addSuffixes(prefix + body, suffixes, indent);
  return t.isParameter ? 'Parameter containing:\n' + repr : repr;
}
