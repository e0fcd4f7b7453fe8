// torch.nn.init, ported from torch/nn/init.py (1.13): the same draws, in the
// same order, from the same generator, so seeded initialisation matches Python.
import { no_grad } from '../autograd/grad_mode.js';
import { op } from '../bridge.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { type Args, parseArgs } from './_utils.js';

const UNIFORM_ = op('uniform_'), NORMAL_ = op('normal_'), FILL_ = op('fill_', 'Scalar'), ZERO_ = op('zero_');
const ERFINV_ = op('erfinv_'), MUL_S = op('mul_', 'Scalar'), ADD_S = op('add_', 'Scalar'), CLAMP_ = op('clamp_');
const EYE_OUT = op('eye', 'm_out'), EMPTY = op('empty', 'memory_format'), QR = op('linalg_qr'), DIAG = op('diag');
const SIGN = op('sign'), MUL_ = op('mul_', 'Tensor'), T_ = op('t_'), VIEW = op('view'), COPY_ = op('copy_');
const SELECT = op('select', 'int'), RANDPERM = op('randperm'), INDEX_PUT_ = op('index_put_');

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a nonlinearity (param: leaky_relu's negative slope). */
export function calculate_gain(nonlinearity: Nonlinearity, param?: number | null): number {
  const linearFns = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linearFns.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope: number;
    if (param === null || param === undefined) slope = 0.01;
    else if (typeof param === 'number') slope = param;
    else throw new Error(`ValueError: negative_slope ${String(param)} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new Error(`ValueError: Unsupported nonlinearity ${String(nonlinearity)}`);
}

export function _calculate_fan_in_and_fan_out(tensor: Tensor): [number, number] {
  const shape = tensor.shape;
  if (shape.length < 2) throw new Error('ValueError: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return [shape[1]! * receptive, shape[0]! * receptive];
}

function calculateCorrectFan(tensor: Tensor, mode: string): number {
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new Error(`ValueError: Mode ${mode} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  return m === 'fan_in' ? fanIn : fanOut;
}

function noGrad(fn: () => void): void {
  no_grad(fn);
}

/** Fills with U(a, b). */
export function uniform_(tensor: Tensor, ...args: Args<[a: number, b: number], { a?: number; b?: number; generator?: Generator }>): Tensor {
  const o = parseArgs<{ a: number; b: number; generator: Generator }>('uniform_', args, ['a', 'b'], ['generator']);
  noGrad(() => UNIFORM_.call(tensor, o.a ?? 0, o.b ?? 1, o.generator));
  return tensor;
}

/** Fills with N(mean, std²). */
export function normal_(tensor: Tensor, ...args: Args<[mean: number, std: number], { mean?: number; std?: number; generator?: Generator }>): Tensor {
  const o = parseArgs<{ mean: number; std: number; generator: Generator }>('normal_', args, ['mean', 'std'], ['generator']);
  noGrad(() => NORMAL_.call(tensor, o.mean ?? 0, o.std ?? 1, o.generator));
  return tensor;
}

/** Fills with N(mean, std²) truncated to [a, b] (the inverse-CDF method, as PyTorch). */
export function trunc_normal_(
  tensor: Tensor,
  ...args: Args<[mean: number, std: number, a: number, b: number], { mean?: number; std?: number; a?: number; b?: number; generator?: Generator }>
): Tensor {
  const o = parseArgs<{ mean: number; std: number; a: number; b: number; generator: Generator }>('trunc_normal_', args, ['mean', 'std', 'a', 'b'], ['generator']);
  const mean = o.mean ?? 0, std = o.std ?? 1, a = o.a ?? -2, b = o.b ?? 2;
  const normCdf = (x: number): number => (1 + erf(x / Math.sqrt(2))) / 2;
  if (mean < a - 2 * std || mean > b + 2 * std) {
    process.emitWarning('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.');
  }
  noGrad(() => {
    const l = normCdf((a - mean) / std);
    const u = normCdf((b - mean) / std);
    UNIFORM_.call(tensor, 2 * l - 1, 2 * u - 1, o.generator);
    ERFINV_.call(tensor);
    MUL_S.call(tensor, std * Math.sqrt(2));
    ADD_S.call(tensor, mean);
    CLAMP_.call(tensor, a, b);
  });
  return tensor;
}

export function constant_(tensor: Tensor, val: number): Tensor {
  noGrad(() => FILL_.call(tensor, val));
  return tensor;
}
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}
export function zeros_(tensor: Tensor): Tensor {
  noGrad(() => ZERO_.call(tensor));
  return tensor;
}

/** Fills a 2-D tensor with the identity matrix. */
export function eye_(tensor: Tensor): Tensor {
  if (tensor.dim() !== 2) throw new Error('ValueError: Only tensors with 2 dimensions are supported');
  const [n, m] = tensor.shape as [number, number];
  noGrad(() => EYE_OUT.call(n, m, tensor));
  return tensor;
}

/** Fills a 3-, 4- or 5-D tensor with the Dirac delta (identity-preserving convolutions). */
export function dirac_(tensor: Tensor, groups = 1): Tensor {
  const dims = tensor.dim();
  if (dims < 3 || dims > 5) throw new Error('ValueError: Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = tensor.shape;
  if (sizes[0]! % groups !== 0) throw new Error('ValueError: dim 0 must be divisible by groups');
  const outPerGroup = sizes[0]! / groups;
  const minDim = Math.min(outPerGroup, sizes[1]!);
  noGrad(() => {
    ZERO_.call(tensor);
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) {
        const idx = [g * outPerGroup + d, d, ...sizes.slice(2).map((s) => Math.floor(s / 2))];
        let view: Tensor = tensor;
        const made: Tensor[] = [];
        for (const i of idx) {
          view = SELECT.t(view, 0, i);
          made.push(view);
        }
        FILL_.call(view, 1);
        for (const t of made) t.dispose();
      }
    }
  });
  return tensor;
}

/** Glorot uniform: U(-a, a), a = gain·sqrt(6 / (fan_in + fan_out)). */
export function xavier_uniform_(tensor: Tensor, ...args: Args<[gain: number], { gain?: number; generator?: Generator }>): Tensor {
  const o = parseArgs<{ gain: number; generator: Generator }>('xavier_uniform_', args, ['gain'], ['generator']);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = (o.gain ?? 1) * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  noGrad(() => UNIFORM_.call(tensor, -a, a, o.generator));
  return tensor;
}

/** Glorot normal: N(0, std²), std = gain·sqrt(2 / (fan_in + fan_out)). */
export function xavier_normal_(tensor: Tensor, ...args: Args<[gain: number], { gain?: number; generator?: Generator }>): Tensor {
  const o = parseArgs<{ gain: number; generator: Generator }>('xavier_normal_', args, ['gain'], ['generator']);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = (o.gain ?? 1) * Math.sqrt(2.0 / (fanIn + fanOut));
  noGrad(() => NORMAL_.call(tensor, 0, std, o.generator));
  return tensor;
}

export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** He uniform: U(-bound, bound), bound = gain·sqrt(3 / fan). */
export function kaiming_uniform_(tensor: Tensor, ...args: Args<[a: number, mode: 'fan_in' | 'fan_out', nonlinearity: Nonlinearity], KaimingOptions>): Tensor {
  const o = parseArgs<KaimingOptions>('kaiming_uniform_', args, ['a', 'mode', 'nonlinearity'], ['generator']);
  if (tensor.shape.includes(0)) {
    process.emitWarning('Initializing zero-element tensors is a no-op');
    return tensor;
  }
  const fan = calculateCorrectFan(tensor, o.mode ?? 'fan_in');
  const gain = calculate_gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  noGrad(() => UNIFORM_.call(tensor, -bound, bound, o.generator));
  return tensor;
}

/** He normal: N(0, std²), std = gain / sqrt(fan). */
export function kaiming_normal_(tensor: Tensor, ...args: Args<[a: number, mode: 'fan_in' | 'fan_out', nonlinearity: Nonlinearity], KaimingOptions>): Tensor {
  const o = parseArgs<KaimingOptions>('kaiming_normal_', args, ['a', 'mode', 'nonlinearity'], ['generator']);
  if (tensor.shape.includes(0)) {
    process.emitWarning('Initializing zero-element tensors is a no-op');
    return tensor;
  }
  const fan = calculateCorrectFan(tensor, o.mode ?? 'fan_in');
  const gain = calculate_gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan);
  noGrad(() => NORMAL_.call(tensor, 0, std, o.generator));
  return tensor;
}

/** Fills with a (semi-)orthogonal matrix from the QR decomposition of a normal draw. */
export function orthogonal_(tensor: Tensor, ...args: Args<[gain: number], { gain?: number; generator?: Generator }>): Tensor {
  const o = parseArgs<{ gain: number; generator: Generator }>('orthogonal_', args, ['gain'], ['generator']);
  if (tensor.dim() < 2) throw new Error('ValueError: Only tensors with 2 or more dimensions are supported');
  if (tensor.numel() === 0) return tensor;
  const rows = tensor.shape[0]!;
  const cols = tensor.numel() / rows;
  const flattened = EMPTY.t([rows, cols], tensor.dtype, undefined, tensor.device.toString());
  NORMAL_.call(flattened, 0, 1, o.generator);
  if (rows < cols) T_.call(flattened);
  const [q, r] = QR.call(flattened, 'reduced') as [Tensor, Tensor];
  const d = DIAG.t(r, 0);
  const ph = SIGN.t(d);
  MUL_.call(q, ph);
  if (rows < cols) T_.call(q);
  noGrad(() => {
    const view = VIEW.t(tensor, q.shape);
    COPY_.call(view, q);
    view.dispose();
    MUL_S.call(tensor, o.gain ?? 1);
  });
  for (const t of [flattened, q, r, d, ph]) t.dispose();
  return tensor;
}

/** Fills a 2-D tensor as a sparse matrix: N(0, std²) with a fraction `sparsity` of each column zeroed. */
export function sparse_(tensor: Tensor, sparsity: number, std = 0.01): Tensor {
  if (tensor.dim() !== 2) throw new Error('ValueError: Only tensors with 2 dimensions are supported');
  const [rows, cols] = tensor.shape as [number, number];
  const numZeros = Math.ceil(sparsity * rows);
  noGrad(() => {
    NORMAL_.call(tensor, 0, std);
    for (let c = 0; c < cols; c++) {
      const perm = RANDPERM.t(rows);
      const zeroIdx = op('slice', 'Tensor').t(perm, 0, 0, numZeros, 1);
      const col = SELECT.t(tensor, 1, c);
      INDEX_PUT_.call(col, [zeroIdx], op('scalar_tensor').t(0, tensor.dtype), false);
      for (const t of [perm, zeroIdx, col]) t.dispose();
    }
  });
  return tensor;
}

// ---- erf, as C's libm computes it (FreeBSD msun / fdlibm s_erf.c), for trunc_normal_ ----

const erx = 8.45062911510467529297e-1;
const efx = 1.28379167095512586316e-1;
const pp0 = 1.28379167095512558561e-1, pp1 = -3.25042107247001499370e-1, pp2 = -2.84817495755985104766e-2;
const pp3 = -5.77027029648944159157e-3, pp4 = -2.37630166566501626084e-5;
const qq1 = 3.97917223959155352819e-1, qq2 = 6.50222499887672944485e-2, qq3 = 5.08130628187576562776e-3;
const qq4 = 1.32494738004321644526e-4, qq5 = -3.96022827877536812320e-6;
const pa0 = -2.36211856075265944077e-3, pa1 = 4.14856118683748331666e-1, pa2 = -3.72207876035701323847e-1;
const pa3 = 3.18346619901161753674e-1, pa4 = -1.10894694282396677476e-1, pa5 = 3.54783043256182359371e-2;
const pa6 = -2.16637559486879084300e-3;
const qa1 = 1.06420880400844228286e-1, qa2 = 5.40397917702171048937e-1, qa3 = 7.18286544141962662868e-2;
const qa4 = 1.26171219808761642112e-1, qa5 = 1.36370839120290507362e-2, qa6 = 1.19844998467991074170e-2;
const ra0 = -9.86494403484714822705e-3, ra1 = -6.93858572707181764372e-1, ra2 = -1.05586262253232909814e1;
const ra3 = -6.23753324503260060396e1, ra4 = -1.62396669462573470355e2, ra5 = -1.84605092906711035994e2;
const ra6 = -8.12874355063065934246e1, ra7 = -9.81432934416914548592;
const sa1 = 1.96512716674392571292e1, sa2 = 1.37657754143519042600e2, sa3 = 4.34565877475229228821e2;
const sa4 = 6.45387271733267880336e2, sa5 = 4.29008140027567833386e2, sa6 = 1.08635005541779435134e2;
const sa7 = 6.57024977031928170135, sa8 = -6.04244152148580987438e-2;
const rb0 = -9.86494292470009928597e-3, rb1 = -7.99283237680523006574e-1, rb2 = -1.77579549177547519889e1;
const rb3 = -1.60636384855821916062e2, rb4 = -6.37566443368389627722e2, rb5 = -1.02509513161107724954e3;
const rb6 = -4.83519191608651397019e2;
const sb1 = 3.03380607434824582924e1, sb2 = 3.25792512996573918826e2, sb3 = 1.53672958608443695994e3;
const sb4 = 3.19985821950859553908e3, sb5 = 2.55305040643316442583e3, sb6 = 4.74528541206955367215e2;
const sb7 = -2.24409524465858183362e1;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Python's math.erf (glibc's s_erf.c: fdlibm with Shimizu's pipelined polynomial evaluation). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -1;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return x + efx * x;
    const z = x * x;
    const r1 = pp0 + z * pp1, z2 = z * z, r2 = pp2 + z * pp3, z4 = z2 * z2;
    const s1 = 1 + z * qq1, s2 = qq2 + z * qq3, s3 = qq4 + z * qq5;
    const r = r1 + z2 * r2 + z4 * pp4;
    const s = s1 + z2 * s2 + z4 * s3;
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const P1 = pa0 + s * pa1, s2 = s * s, Q1 = 1 + s * qa1, s4 = s2 * s2, P2 = pa2 + s * pa3, s6 = s4 * s2;
    const Q2 = qa2 + s * qa3, P3 = pa4 + s * pa5, Q3 = qa4 + s * qa5;
    const P = P1 + s2 * P2 + s4 * P3 + s6 * pa6;
    const Q = Q1 + s2 * Q2 + s4 * Q3 + s6 * qa6;
    return x >= 0 ? erx + P / Q : -erx - P / Q;
  }
  if (ax >= 6) return x >= 0 ? 1 - 1e-300 : 1e-300 - 1;
  const s = 1 / (ax * ax);
  let R: number, S: number;
  f64[0] = ax;
  if (u32[1]! < 0x4006db6e) {
    const R1 = ra0 + s * ra1, s2 = s * s, S1 = 1 + s * sa1, s4 = s2 * s2, R2 = ra2 + s * ra3, s6 = s4 * s2;
    const S2 = sa2 + s * sa3, s8 = s4 * s4, R3 = ra4 + s * ra5, S3 = sa4 + s * sa5, R4 = ra6 + s * ra7, S4 = sa6 + s * sa7;
    R = R1 + s2 * R2 + s4 * R3 + s6 * R4;
    S = S1 + s2 * S2 + s4 * S3 + s6 * S4 + s8 * sa8;
  } else {
    const R1 = rb0 + s * rb1, s2 = s * s, S1 = 1 + s * sb1, s4 = s2 * s2, R2 = rb2 + s * rb3, s6 = s4 * s2;
    const S2 = sb2 + s * sb3, R3 = rb4 + s * rb5, S3 = sb4 + s * sb5, S4 = sb6 + s * sb7;
    R = R1 + s2 * R2 + s4 * R3 + s6 * rb6;
    S = S1 + s2 * S2 + s4 * S3 + s6 * S4;
  }
  f64[0] = ax;
  u32[0] = 0; // SET_LOW_WORD(z, 0) (little-endian: word 0 is the low word)
  const z = f64[0];
  const r = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + R / S);
  return x >= 0 ? 1 - r / ax : r / ax - 1;
}
