// TypedArray and Buffer interop: data in (copied), out as a copy or as a zero-copy view.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';

describe('TypedArray interop', () => {
  it('copies TypedArrays and Buffers in, keeping their element type', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = torch.tensor(src);
    src[0] = 100;
    expect(t.tolist()).toEqual([1, 2, 3]);
    expect(torch.tensor(Buffer.from([1, 2, 255])).dtype).toBe('uint8');
    expect(torch.tensor(new Int32Array([5])).dtype).toBe('int32');
    expect(torch.tensor(new Float32Array([1, 2]), { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('asTypedArray shares memory with a contiguous CPU tensor, both ways', () => {
    const t = torch.zeros(2, 3);
    const v = t.asTypedArray() as Float32Array;
    v[4] = 7;
    expect(t.tolist()).toEqual([[0, 0, 0], [0, 7, 0]]);
    t.add_(1);
    expect(v[0]).toBe(1);
    // the view keeps the memory alive after the tensor is disposed
    t.dispose();
    expect(v[4]).toBe(8);
  });

  it('copies when the tensor is not contiguous', () => {
    const t = torch.arange(6).float().reshape(2, 3).t();
    const v = t.asTypedArray() as Float32Array;
    expect(Array.from(v)).toEqual([0, 3, 1, 4, 2, 5]);
    v[0] = 99;
    expect(t.tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it('toTypedArray always copies', () => {
    const t = torch.ones(2);
    const c = t.toTypedArray() as Float32Array;
    c[0] = 5;
    expect(t.tolist()).toEqual([1, 1]);
  });
});
