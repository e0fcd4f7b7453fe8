// torch.set_num_threads / get_num_threads, with Python's defaults and error wording.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';
import { python, pythonMissingReason, runPython } from './helpers/python.js';

describe('thread pools', () => {
  it('set_num_threads changes get_num_threads and results stay the same', () => {
    const before = torch.get_num_threads();
    torch.manual_seed(0);
    const a = torch.randn(256, 256);
    const ref = a.matmul(a);
    try {
      torch.set_num_threads(1);
      expect(torch.get_num_threads()).toBe(1);
      expect(torch.allclose(a.matmul(a), ref)).toBe(true);
    } finally {
      torch.set_num_threads(before);
    }
    expect(torch.get_num_threads()).toBe(before);
    expect(torch.get_num_interop_threads()).toBeGreaterThan(0);
  });

  it('refuses what Python refuses, with its words', () => {
    expect(() => torch.set_num_threads(0)).toThrow('set_num_threads expects a positive integer');
    expect(() => torch.set_num_threads(-2)).toThrow('set_num_threads expects a positive integer');
    expect(() => torch.set_num_threads(1.5)).toThrow('set_num_threads expects an int, but got float');
    expect(() => torch.set_num_interop_threads(0)).toThrow('set_num_interop_threads expects a positive integer');
  });

  it.skipIf(!python)(`defaults equal Python's on this machine ${python ? '' : pythonMissingReason}`, () => {
    const py = runPython<[number, number]>('out = [torch.get_num_threads(), torch.get_num_interop_threads()]');
    expect([torch.get_num_threads(), torch.get_num_interop_threads()]).toEqual(py);
  });
});

describe('dispose() and the release queue', () => {
  it('memory is counted as freed right after dispose, and a full queue drains itself', () => {
    const base = torch.memory().liveTensors;
    const ts = Array.from({ length: 3000 }, () => torch.zeros(4));
    expect(torch.memory().liveTensors).toBe(base + 3000);
    for (const t of ts) t.dispose();
    expect(torch.memory().liveTensors).toBe(base);
    expect(ts.every((t) => t.isDisposed)).toBe(true);
    expect(() => ts[0]!.add(1)).toThrow(/disposed/);
  });
});
