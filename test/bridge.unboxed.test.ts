// The operator bridge's unboxed fast path (native/unboxed.cpp) against its boxed
// path, on every signature the fast path knows. native.opCall takes the fast path
// when tensors come as handle numbers (mask bits set) and the boxed path when they
// come as Tensor objects, so the same call made both ways must agree exactly; and
// what the fast path declines (odd arguments, errors) must read as before.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';
import { Op, wrap } from '../lib/bridge.js';
import { HANDLE, native } from '../lib/native.js';
import type { Tensor } from '../lib/tensor.js';

const HANDLE_BITS = 24;

/** Calls op with tensors as handles (fast path) and as objects (boxed path); returns both results. */
function bothPaths(name: string, overload: string, args: unknown[]): [Tensor, Tensor] {
  const op = new Op(name, overload);
  let mask = args.length << HANDLE_BITS;
  const handles = args.map((a, i) => {
    if (a instanceof torch.Tensor) {
      mask |= 1 << i;
      return a[HANDLE];
    }
    return a;
  });
  const fast = wrap(native.opCall(op.id, mask >>> 0, ...handles) as number);
  const boxed = wrap(native.opCall(op.id, (args.length << HANDLE_BITS) >>> 0, ...args) as number);
  return [fast, boxed];
}

const same = (a: Tensor, b: Tensor): void => {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  expect(a.tolist()).toEqual(b.tolist());
};

describe('unboxed fast path = boxed path', () => {
  torch.manual_seed(0);
  const x = torch.randn(3, 4);
  const y = torch.randn(3, 4);
  const i = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
  const w = torch.randn(5, 4);
  const bias = torch.randn(5);
  const m = torch.randn(4, 5);
  const c = torch.randn(3, 5);
  const cases: [string, string, unknown[]][] = [
    ['aten::relu', '', [x]],
    ['aten::abs', '', [i]],
    ['aten::mul', 'Tensor', [x, y]],
    ['aten::mul', 'Tensor', [x, 2]],
    ['aten::mul', 'Tensor', [i, 2.5]], // int tensor * float number promotes to float32, as in Python
    ['aten::mul', 'Tensor', [i, 2]],
    ['aten::mul', 'Tensor', [i, true]],
    ['aten::mul', 'Scalar', [x, 3]],
    ['aten::add', 'Tensor', [x, y]],
    ['aten::add', 'Tensor', [x, y, 2]],
    ['aten::add', 'Tensor', [x, y, 0.5]],
    ['aten::add', 'Scalar', [i, 1, 3]],
    ['aten::view', '', [x, [2, 6]]],
    ['aten::view', '', [x, [-1]]],
    ['aten::reshape', '', [x, [4, 3]]],
    ['aten::permute', '', [x, [1, 0]]],
    ['aten::unsqueeze', '', [x, -1]],
    ['aten::transpose', 'int', [x, 0, -1]],
    ['aten::select', 'int', [x, 1, -2]],
    ['aten::linear', '', [x, w, bias]],
    ['aten::linear', '', [x, w, null]],
    ['aten::linear', '', [x, w]],
    ['aten::mse_loss', '', [x, y]],
    ['aten::mse_loss', '', [x, y, 0]],
    ['aten::addmm', '', [c, x, m]],
  ];
  it('every op above has the fast path', () => {
    for (const [name, overload] of cases) expect(new Op(name, overload).schema.unboxed, `${name}.${overload}`).toBe(true);
    for (const [name, overload] of [['aten::add_', 'Tensor'], ['aten::mul_', 'Scalar'], ['aten::zero_', ''], ['aten::copy_', ''], ['aten::unsqueeze_', ''], ['aten::transpose_', '']]) {
      expect(new Op(name, overload).schema.unboxed, `${name}.${overload}`).toBe(true);
    }
    // Out= ops and list arguments stay boxed.
    expect(new Op('aten::add', 'out').schema.unboxed).toBe(false);
    expect(new Op('aten::cat', '').schema.unboxed).toBe(false);
  });
  for (const [name, overload, args] of cases) {
    it(`${name}.${overload || 'default'}(${args.map((a) => (a instanceof torch.Tensor ? `Tensor<${a.dtype}>` : JSON.stringify(a))).join(', ')})`, () => {
      const [fast, boxed] = bothPaths(name, overload, args);
      same(fast, boxed);
    });
  }

  it('in-place ops write through the fast path and return the tensor', () => {
    const a = torch.ones(2, 3);
    const b = torch.full([2, 3], 2);
    expect(a.add_(b, { alpha: 3 })).toBe(a);
    expect(a.tolist()).toEqual([[7, 7, 7], [7, 7, 7]]);
    expect(a.mul_(0.5)).toBe(a);
    expect(a.tolist()).toEqual([[3.5, 3.5, 3.5], [3.5, 3.5, 3.5]]);
    a.zero_();
    expect(a.sum().item()).toBe(0);
    a.copy_(b);
    expect(a.tolist()).toEqual(b.tolist());
    expect(a.unsqueeze_(0)).toBe(a);
    expect(a.shape).toEqual([1, 2, 3]);
    expect(a.transpose_(0, 2).shape).toEqual([3, 2, 1]);
  });
});

describe('what the fast path declines reads as before', () => {
  const x = torch.randn(3, 4);
  it('a fraction where an int belongs', () => {
    expect(() => x.view(2.5, 2)).toThrow(/view\(\): argument 'size' \(position 2\) must be tuple of ints, not float/);
    expect(() => x.transpose(0.5, 1)).toThrow(/argument 'dim0' \(position 2\) must be int/);
  });
  it('a disposed tensor', () => {
    const d = torch.randn(3, 4);
    d.dispose();
    expect(() => x.add(d)).toThrow(/Tensor has been disposed/);
    expect(() => d.view(12)).toThrow(/Tensor has been disposed/);
  });
  it("libtorch's own errors", () => {
    expect(() => x.view(5, 5)).toThrow(/shape '\[5, 5\]' is invalid for input of size 12/);
    expect(() => x.add(torch.randn(2, 2))).toThrow(/The size of tensor a \(4\) must match the size of tensor b \(2\)/);
    const leaf = torch.randn([2], { requires_grad: true });
    expect(() => leaf.add_(1)).toThrow(/a leaf Variable that requires grad is being used in an in-place operation/);
  });
  it('an int[] whose element getter makes tensors (the handle table grows mid-call)', () => {
    const op = new Op('aten::view', '');
    const made: Tensor[] = [];
    const sizes = [0, 4];
    Object.defineProperty(sizes, 0, {
      get() {
        for (let i = 0; i < 3000; i++) made.push(torch.zeros(1));
        return 3;
      },
    });
    const out = wrap(native.opCall(op.id, ((2 << HANDLE_BITS) | 1) >>> 0, x[HANDLE], sizes) as number);
    expect(out.shape).toEqual([3, 4]);
    expect(out.tolist()).toEqual(x.tolist());
    for (const t of made) t.dispose();
  });
  it('a one-element tensor where a Scalar belongs', () => {
    const mask = torch.tensor([[true, false, true, false], [false, false, true, true], [true, true, true, true]]);
    const [fast, boxed] = bothPaths('aten::masked_fill', 'Scalar', [x, mask, torch.tensor(2.5)]);
    same(fast, boxed);
    expect((fast.tolist() as number[][])[0]![0]).toBe(2.5);
  });
});
