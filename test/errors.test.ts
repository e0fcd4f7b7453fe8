// Bad input gets a JS Error that says what was wrong, and the process lives.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';

describe('bad input', () => {
  it('wrong shapes carry libtorch message, without a C++ backtrace', () => {
    const a = torch.randn(2, 3);
    let err: Error | undefined;
    try {
      a.matmul(a);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toBe('mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)');
    expect(err!.message).not.toMatch(/Exception raised from|frame #/);
    expect(() => a.add(torch.randn(4))).toThrow('The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
    expect(() => a.view(4)).toThrow("shape '[4]' is invalid for input of size 6");
  });

  it('wrong dtypes', () => {
    expect(() => torch.arange(3).requires_grad_()).toThrow(/only Tensors of floating point and complex dtype can require gradients/i);
    expect(() => torch.randn(2, 2).matmul(torch.ones([2, 2], { dtype: 'int64' }))).toThrow(/expected.*(same dtype|scalar type)/i);
    expect(() => torch.zeros(2, { dtype: 'float33' as torch.dtype })).toThrow("unknown dtype 'float33'");
  });

  it('unknown ops and overloads', () => {
    expect(() => torch.ops.aten.not_an_op).toThrow('unknown operator aten::not_an_op');
    expect(() => torch.ops.aten.add.nope).toThrow(/unknown operator aten::add.nope/);
  });

  it('a disposed tensor', () => {
    const a = torch.randn(3);
    a.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => a.add(1)).toThrow('Tensor has been disposed');
    expect(() => a.shape).toThrow('Tensor has been disposed');
    expect(() => a.tolist()).toThrow('Tensor has been disposed');
    a.dispose(); // idempotent
  });

  it('wrong argument types name the argument and the type', () => {
    const a = torch.randn(3);
    expect(() => a.add('x' as unknown as number)).toThrow("add(): argument 'other' (position 2) must be Tensor, not str");
    expect(() => a.sum('x' as unknown as number)).toThrow("sum(): argument 'dim' (position 2) must be tuple of ints, not str");
    expect(() => a.unsqueeze(1.5)).toThrow("unsqueeze(): argument 'dim' (position 2) must be int, not float");
    expect(() => torch.cat([a, 3 as unknown as torch.Tensor])).toThrow(/cat\(\): argument 'tensors' \(position 1\) must be tuple of Tensors, not int/);
    expect(() => torch.tensor([[1, 2], [3]])).toThrow('expected sequence of length 2 at dim 1 (got 1)');
    expect(() => torch.tensor(['a'] as unknown as number[])).toThrow('could not infer dtype of str');
    expect(() => torch.randn(2, 'x' as unknown as number)).toThrow("randn(): argument 'size' must be tuple of ints, but found element of type str");
  });

  it('negative and huge sizes', () => {
    expect(() => torch.zeros(-1)).toThrow('Trying to create tensor with negative dimension -1');
    expect(() => torch.ops.aten.zeros([-2])).toThrow(/negative dimension -2/);
    expect(() => torch.empty(2 ** 40, 2 ** 20)).toThrow(Error);
  });

  it.skipIf(torch.cuda.is_available())('asking for CUDA without it says so, through any op', () => {
    expect(() => torch.zeros([2], { device: 'cuda' })).toThrow(/^Torch not compiled with CUDA enabled/);
    expect(() => torch.ones(2).to('cuda')).toThrow(/^Torch not compiled with CUDA enabled/);
    expect(() => torch.ops.aten.empty([2], { device: 'cuda:1' })).toThrow(/^Torch not compiled with CUDA enabled/);
  });

  it('the process is still fine afterwards', () => {
    expect(torch.ones(2).add(1).tolist()).toEqual([2, 2]);
  });
});
