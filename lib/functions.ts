// torch.* functions that Python writes in Python (torch/functional.py and
// torch/_tensor.py) rather than binding one ATen operator: their signatures
// differ from the schemas (varargs, int-or-list dims, results chosen by flags).
// Everything else in torch.* is generated from the schemas (lib/generated/).
// A name exported here is never generated: hand-written code wins.
import { op } from './bridge.js';
import type { DeviceLike } from './device.js';
import type { dtype } from './dtype.js';
import { tensor, type TensorData } from './factories.js';
import type { Layout, MemoryFormat } from './op_support.js';
import { Tensor } from './tensor.js';

// ---- constants, layouts and memory formats (torch.pi, torch.strided, torch.channels_last) ----

export const e = Math.E;
export const pi = Math.PI;
export const inf = Infinity;
export const nan = NaN;
export const strided: Layout = 'strided';
export const sparse_coo: Layout = 'sparse_coo';
export const contiguous_format: MemoryFormat = 'contiguous_format';
export const preserve_format: MemoryFormat = 'preserve_format';
export const channels_last: MemoryFormat = 'channels_last';
export const channels_last_3d: MemoryFormat = 'channels_last_3d';

export function is_tensor(obj: unknown): obj is Tensor {
  return obj instanceof Tensor;
}

export function numel(input: Tensor): number {
  return input.numel();
}

/** torch.broadcast_shapes(*shapes): the shape broadcasting would give, without making tensors. */
export function broadcast_shapes(...shapes: (number | readonly number[])[]): number[] {
  const lists = shapes.map((sh) => (typeof sh === 'number' ? [sh] : sh));
  const n = Math.max(0, ...lists.map((l) => l.length));
  const out = new Array<number>(n).fill(1);
  for (const l of lists) {
    for (let i = 0; i < l.length; i++) {
      const k = n - l.length + i;
      const d = l[i]!;
      if (out[k] === 1) out[k] = d;
      else if (d !== 1 && d !== out[k]) {
        throw new Error(`Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between ${JSON.stringify(shapes)}`);
      }
    }
  }
  return out;
}

// ---- nonzero(as_tuple) --------------------------------------------------------------------

const NONZERO = op('nonzero'), NONZERO_NUMPY = op('nonzero_numpy');
/** torch.nonzero(input) -> [n, ndim] indices; with { as_tuple: true }, one index tensor per dimension. */
export function nonzero(input: Tensor, options?: { as_tuple?: false }): Tensor;
export function nonzero(input: Tensor, options: { as_tuple: true }): Tensor[];
export function nonzero(input: Tensor, options?: { as_tuple?: boolean }): Tensor | Tensor[];
export function nonzero(input: Tensor, options?: { as_tuple?: boolean }): Tensor | Tensor[] {
  return options?.as_tuple ? (NONZERO_NUMPY.call(input) as Tensor[]) : NONZERO.t(input);
}

// ---- einsum, tensordot, meshgrid, broadcast_tensors, block_diag, cartesian_prod ------

const EINSUM = op('einsum');
/** einsum('ij,jk->ik', a, b) or einsum('ij,jk->ik', [a, b]). */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor;
export function einsum(equation: string, ...operands: Tensor[]): Tensor;
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const list = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands;
  return EINSUM.t(equation, list);
}

const TENSORDOT = op('tensordot');
/** tensordot(a, b, dims=2): dims is a count (last dims of a with first of b) or [dims_a, dims_b]. */
export function tensordot(a: Tensor, b: Tensor, dims: number | readonly [readonly number[], readonly number[]] = 2): Tensor {
  let dimsA: number[];
  let dimsB: number[];
  if (typeof dims === 'number') {
    if (!Number.isInteger(dims) || dims < 0) throw new RangeError(`tensordot expects dims >= 0, but got dims=${dims}`);
    dimsA = [];
    dimsB = [];
    for (let i = 0; i < dims; i++) {
      dimsA.push(i - dims);
      dimsB.push(i);
    }
  } else {
    dimsA = [...dims[0]];
    dimsB = [...dims[1]];
  }
  return TENSORDOT.t(a, b, dimsA, dimsB);
}

function tensorsFrom(args: readonly (Tensor | readonly Tensor[])[]): readonly Tensor[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly Tensor[]) : (args as readonly Tensor[]);
}

const MESHGRID = op('meshgrid'), MESHGRID_INDEXING = op('meshgrid', 'indexing');
export interface MeshgridOptions {
  indexing?: 'ij' | 'xy';
}
/** meshgrid(x, y), meshgrid([x, y]), meshgrid(x, y, { indexing: 'xy' }). */
export function meshgrid(tensors: readonly Tensor[], options?: MeshgridOptions): Tensor[];
export function meshgrid(...tensors: Tensor[]): Tensor[];
export function meshgrid(...args: [...tensors: Tensor[], options: MeshgridOptions]): Tensor[];
export function meshgrid(...args: (Tensor | readonly Tensor[] | MeshgridOptions | undefined)[]): Tensor[] {
  let options: MeshgridOptions | undefined;
  while (args.length > 0 && args[args.length - 1] === undefined) args = args.slice(0, -1);
  const last = args[args.length - 1];
  if (last !== undefined && !(last instanceof Tensor) && !Array.isArray(last)) {
    options = last as MeshgridOptions;
    args = args.slice(0, -1);
  }
  const list = tensorsFrom(args as (Tensor | readonly Tensor[])[]);
  const r = options?.indexing ? MESHGRID_INDEXING.call(list, options.indexing) : MESHGRID.call(list);
  return r as Tensor[];
}

const BROADCAST_TENSORS = op('broadcast_tensors');
export function broadcast_tensors(tensors: readonly Tensor[]): Tensor[];
export function broadcast_tensors(...tensors: Tensor[]): Tensor[];
export function broadcast_tensors(...args: (Tensor | readonly Tensor[])[]): Tensor[] {
  return BROADCAST_TENSORS.call(tensorsFrom(args)) as Tensor[];
}

const BLOCK_DIAG = op('block_diag');
export function block_diag(...tensors: Tensor[]): Tensor {
  return BLOCK_DIAG.t(tensors);
}

const CARTESIAN_PROD = op('cartesian_prod');
export function cartesian_prod(...tensors: Tensor[]): Tensor {
  return CARTESIAN_PROD.t(tensors);
}

const CDIST = op('cdist');
const CDIST_MODES: Record<string, number | null> = {
  use_mm_for_euclid_dist_if_necessary: null,
  use_mm_for_euclid_dist: 1,
  donot_use_mm_for_euclid_dist: 2,
};
export type CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';
export function cdist(x1: Tensor, x2: Tensor, p = 2, compute_mode: CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary'): Tensor {
  if (!(compute_mode in CDIST_MODES)) throw new Error(`${compute_mode} is not a valid value for compute_mode`);
  return CDIST.t(x1, x2, p, CDIST_MODES[compute_mode]);
}

// ---- norm ---------------------------------------------------------------------------

const NORM_DIM = op('norm', 'ScalarOpt_dim'), NORM_DIM_DTYPE = op('norm', 'ScalarOpt_dim_dtype');
const FROBENIUS_DIM = op('frobenius_norm', 'dim'), NUCLEAR = op('nuclear_norm'), NUCLEAR_DIM = op('nuclear_norm', 'dim');

export type NormOrd = number | 'fro' | 'nuc' | null;

function normImpl(input: Tensor, p: NormOrd, dim: number | readonly number[] | null, keepdim: boolean, dt: dtype | null | undefined): Tensor {
  const dims = dim === null ? null : typeof dim === 'number' ? [dim] : [...dim];
  if (typeof p === 'string') {
    if (p === 'fro') {
      if (dt) throw new Error('dtype argument is not supported in frobenius norm');
      return FROBENIUS_DIM.t(input, dims ?? [...Array(input.dim()).keys()], keepdim);
    }
    if (p === 'nuc') {
      if (dt) throw new Error('dtype argument is not supported in nuclear norm');
      return dims === null ? NUCLEAR.t(input, keepdim) : NUCLEAR_DIM.t(input, dims, keepdim);
    }
    throw new Error(`only valid string values are 'fro' and 'nuc', found ${p as string}`);
  }
  const d = dims ?? [...Array(input.dim()).keys()];
  return dt ? NORM_DIM_DTYPE.t(input, p, d, keepdim, dt) : NORM_DIM.t(input, p, d, keepdim);
}

export interface NormOptions {
  dtype?: dtype | null;
}
/**
 * torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None), as torch/functional.py
 * computes it; { dtype } may come right after any of the positional arguments.
 */
export function norm(input: Tensor, p?: NormOrd, dim?: number | readonly number[] | null, keepdim?: boolean, options?: NormOptions): Tensor;
export function norm(input: Tensor, p: NormOrd, dim: number | readonly number[] | null, options: NormOptions): Tensor;
export function norm(input: Tensor, p: NormOrd, options: NormOptions): Tensor;
export function norm(input: Tensor, options: NormOptions): Tensor;
export function norm(
  input: Tensor,
  ...rest: (NormOrd | number | readonly number[] | boolean | NormOptions | undefined)[]
): Tensor {
  let options: NormOptions | undefined;
  const k = rest.findIndex((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (k >= 0) {
    options = rest[k] as NormOptions;
    rest = rest.slice(0, k);
  }
  const [p = 'fro', dim = null, keepdim = false] = rest as [NormOrd?, (number | readonly number[] | null)?, boolean?];
  return normImpl(input, p, dim, keepdim, options?.dtype);
}

// ---- unique, unique_consecutive -------------------------------------------------------

const UNIQUE2 = op('_unique2'), UNIQUE_DIM = op('unique_dim'), UNIQUE_CONSECUTIVE = op('unique_consecutive');

function pickUnique(r: unknown, return_inverse: boolean, return_counts: boolean): Tensor | Tensor[] {
  const [output, inverse, counts] = r as [Tensor, Tensor, Tensor];
  if (return_inverse && return_counts) return [output, inverse, counts];
  if (return_inverse) {
    counts.dispose();
    return [output, inverse];
  }
  inverse.dispose();
  if (return_counts) return [output, counts];
  counts.dispose();
  return output;
}

/** torch.unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None). */
export function unique(input: Tensor, sorted?: boolean, return_inverse?: false, return_counts?: false, dim?: number | null): Tensor;
export function unique(input: Tensor, sorted: boolean, return_inverse: true, return_counts?: false, dim?: number | null): [Tensor, Tensor];
export function unique(input: Tensor, sorted: boolean, return_inverse: false, return_counts: true, dim?: number | null): [Tensor, Tensor];
export function unique(input: Tensor, sorted: boolean, return_inverse: true, return_counts: true, dim?: number | null): [Tensor, Tensor, Tensor];
export function unique(input: Tensor, sorted?: boolean, return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[];
export function unique(input: Tensor, sorted = true, return_inverse = false, return_counts = false, dim: number | null = null): Tensor | Tensor[] {
  const r = dim === null
    ? UNIQUE2.call(input, sorted, return_inverse, return_counts)
    : UNIQUE_DIM.call(input, dim, sorted, return_inverse, return_counts);
  return pickUnique(r, return_inverse, return_counts);
}

/** torch.unique_consecutive(input, return_inverse=False, return_counts=False, dim=None). */
export function unique_consecutive(input: Tensor, return_inverse?: false, return_counts?: false, dim?: number | null): Tensor;
export function unique_consecutive(input: Tensor, return_inverse: true, return_counts?: false, dim?: number | null): [Tensor, Tensor];
export function unique_consecutive(input: Tensor, return_inverse: false, return_counts: true, dim?: number | null): [Tensor, Tensor];
export function unique_consecutive(input: Tensor, return_inverse: true, return_counts: true, dim?: number | null): [Tensor, Tensor, Tensor];
export function unique_consecutive(input: Tensor, return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[];
export function unique_consecutive(input: Tensor, return_inverse = false, return_counts = false, dim: number | null = null): Tensor | Tensor[] {
  return pickUnique(UNIQUE_CONSECUTIVE.call(input, return_inverse, return_counts, dim), return_inverse, return_counts);
}

// ---- the same, as Tensor methods (Python defines these in torch/_tensor.py) --------------

export interface NewTensorOptions {
  dtype?: dtype;
  device?: DeviceLike;
  requires_grad?: boolean;
}

declare module './tensor.js' {
  interface Tensor {
    /** A new tensor holding a copy of data, with this tensor's dtype and device unless given. */
    new_tensor(data: TensorData, options?: NewTensorOptions): Tensor;
    nonzero(options?: { as_tuple?: false }): Tensor;
    nonzero(options: { as_tuple: true }): Tensor[];
    nonzero(options?: { as_tuple?: boolean }): Tensor | Tensor[];
    /** Tensor.norm(p='fro', dim=None, keepdim=False, dtype=None) */
    norm(p?: NormOrd, dim?: number | readonly number[] | null, keepdim?: boolean, dtype?: dtype | null): Tensor;
    unique(sorted?: boolean, return_inverse?: false, return_counts?: false, dim?: number | null): Tensor;
    unique(sorted: boolean, return_inverse: true, return_counts?: false, dim?: number | null): [Tensor, Tensor];
    unique(sorted: boolean, return_inverse: false, return_counts: true, dim?: number | null): [Tensor, Tensor];
    unique(sorted: boolean, return_inverse: true, return_counts: true, dim?: number | null): [Tensor, Tensor, Tensor];
    unique(sorted?: boolean, return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[];
    unique_consecutive(return_inverse?: false, return_counts?: false, dim?: number | null): Tensor;
    unique_consecutive(return_inverse: true, return_counts?: false, dim?: number | null): [Tensor, Tensor];
    unique_consecutive(return_inverse: false, return_counts: true, dim?: number | null): [Tensor, Tensor];
    unique_consecutive(return_inverse: true, return_counts: true, dim?: number | null): [Tensor, Tensor, Tensor];
    unique_consecutive(return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[];
  }
}

Tensor.prototype.norm = function (this: Tensor, p: NormOrd = 'fro', dim: number | readonly number[] | null = null, keepdim = false, dt: dtype | null = null): Tensor {
  return normImpl(this, p, dim, keepdim, dt);
};
Tensor.prototype.unique = function (this: Tensor, sorted?: boolean, return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[] {
  return unique(this, sorted, return_inverse, return_counts, dim);
} as Tensor['unique'];
Tensor.prototype.unique_consecutive = function (this: Tensor, return_inverse?: boolean, return_counts?: boolean, dim?: number | null): Tensor | Tensor[] {
  return unique_consecutive(this, return_inverse, return_counts, dim);
} as Tensor['unique_consecutive'];
Tensor.prototype.nonzero = function (this: Tensor, options?: { as_tuple?: boolean }): Tensor | Tensor[] {
  return nonzero(this, options);
} as Tensor['nonzero'];
Tensor.prototype.new_tensor = function (this: Tensor, data: TensorData, options: NewTensorOptions = {}): Tensor {
  return tensor(data, { dtype: options.dtype ?? this.dtype, device: options.device ?? this.device, requires_grad: options.requires_grad });
};
