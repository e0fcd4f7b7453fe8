// Compile-only: the typed operator API accepts what PyTorch accepts and
// rejects obvious misuse. Checked by test/typing.test.ts (and by
// `npx tsc -p test/types`); never run. Each `@ts-expect-error` line must
// fail to compile, or the check itself fails.
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';

declare const x: Tensor;
declare const mask: Tensor;

// ---- valid calls -------------------------------------------------------------------------

export const valid = (): unknown[] => [
  x.cumsum(1),
  x.cumsum(1, { dtype: 'float64' }),
  torch.cumsum(x, 0, { dtype: 'float64' }),
  torch.add(x, 1, { alpha: 2 }),
  torch.add(x, x),
  torch.sub(2, x),
  torch.where(mask, x, 0),
  torch.where(mask, 1.5, x),
  torch.where(mask) satisfies Tensor[],
  x.sum(),
  x.sum(1, true, { dtype: 'float64' }),
  x.sum({ dtype: 'float64' }),
  torch.sum(x, [0, 1], true),
  x.mean(-1),
  x.std(1, false),
  x.var(null, { correction: 0 }),
  torch.std(x, 1, { correction: 2, keepdim: true }),
  x.clamp(0, 1),
  x.clamp(x, x),
  x.clamp_min(0.5),
  x.new_zeros(2, 3),
  x.new_zeros([2, 3], { dtype: 'int64', requires_grad: false }),
  x.repeat(2, 2),
  x.repeat([2, 2]),
  x.flip(0),
  x.permute(1, 0),
  torch.einsum('ij,jk->ik', x, x.t()),
  torch.einsum('ij->', [x]),
  torch.tensordot(x, x, 1),
  torch.tensordot(x, x, [[0], [1]]),
  torch.normal(0, 1, [3], { generator: new torch.Generator().manual_seed(0) }),
  torch.randperm(5, { generator: new torch.Generator() }),
  x.uniform_(-1, 1, { generator: torch.default_generator }),
  x.split(2),
  x.split([1, 3], 1) satisfies Tensor[],
  x.chunk(2, 0) satisfies Tensor[],
  torch.cat([x, x], 1),
  torch.stack([x, x]),
  torch.nonzero(x, { as_tuple: true }) satisfies Tensor[],
  torch.unique(x) satisfies Tensor,
  torch.unique(x, true, true) satisfies [Tensor, Tensor],
  torch.unique(x, true, true, true) satisfies [Tensor, Tensor, Tensor],
  torch.result_type(x, 2) satisfies torch.dtype,
  torch.promote_types('int8', 'uint8') satisfies torch.dtype,
  torch.equal(x, x) satisfies boolean,
  x.is_complex() satisfies boolean,
  torch.linalg.norm(x),
  torch.linalg.norm(x, 'fro'),
  torch.linalg.norm(x, 2, [0, 1], true, { dtype: 'float64' }),
  torch.linalg.solve(x, x, { left: false }),
  torch.linalg.svd(x, false).S,
  torch.special.erf(x),
  torch.fft.rfft(x, null, -1, 'ortho'),
  torch.div(x, 2, { rounding_mode: 'floor' }),
  x.to('float64'),
  x.to('cpu', 'float16'),
  x.to(x, { copy: true }),
  x.float(),
  x.type() satisfies string,
  x.type('float64') satisfies Tensor,
  x.mT,
  x.real,
  x.max(1, true).indices,
  x.max(x),
  x.norm('fro', [0, 1]),
];

// Several returns come back as an array that also carries the names.
const [values, indices] = x.topk(2);
export const named: Tensor[] = [values, indices, x.topk(2, 1, true, false).indices, torch.sort(x, 0, true).values, x.sort({ stable: true }).values];
const { Q, R } = torch.linalg.qr(x, 'complete');
export const qr: Tensor[] = [Q, R];

// In-place methods return the tensor itself (typed as such).
export const inplace: Tensor = x.add_(1).mul_(2).clamp_(0, 1).cumsum_(0);

// ---- misuse TypeScript must reject ---------------------------------------------------------

export const invalid = (): unknown[] => [
  // @ts-expect-error a string where a tensor belongs
  torch.matmul(x, 'y'),
  // @ts-expect-error a string where a tensor belongs (method)
  x.mm('y'),
  // @ts-expect-error missing required argument (dim)
  x.cumsum(),
  // @ts-expect-error missing required argument (other)
  torch.maximum(x),
  // @ts-expect-error wrong option name
  x.cumsum(0, { dtyp: 'float64' }),
  // @ts-expect-error wrong option name on a function
  torch.add(x, 1, { alhpa: 2 }),
  // @ts-expect-error not a dtype
  x.cumsum(0, { dtype: 'float65' }),
  // @ts-expect-error a number for a Tensor (maximum takes no scalars, as in Python)
  torch.maximum(x, 2),
  // @ts-expect-error too many arguments
  x.abs(1),
  // @ts-expect-error rounding_mode is 'trunc' or 'floor'
  torch.div(x, 2, { rounding_mode: 'round' }),
  // @ts-expect-error a generator must be a torch.Generator
  torch.randperm(3, { generator: 42 }),
  // @ts-expect-error a keyword-only argument passed positionally
  x.cumsum(0, 'float64'),
  // @ts-expect-error a list where an int belongs
  x.topk([2]),
  // @ts-expect-error no such method
  x.no_such_method(),
  // @ts-expect-error no such function in torch.linalg
  torch.linalg.no_such_function(x),
];

// @ts-expect-error topk returns (values, indices), not one Tensor
export const notATensor: Tensor = x.topk(2);
// @ts-expect-error an in-place result has no named fields
export const noValues: Tensor = x.add_(1).values;
