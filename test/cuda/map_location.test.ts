// map_location for checkpoints saved on a GPU, read on a machine without one.
// Python (CPU-only here) writes the file with its storages tagged 'cuda:0' and
// 'cuda:1', exactly as torch.save on a GPU would tag them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-node-map-location-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function entry(obj: unknown, key: string): torch.Tensor {
  return (obj instanceof Map ? obj.get(key) : (obj as Record<string, unknown>)[key]) as torch.Tensor;
}

describe.skipIf(!python)(`map_location with a checkpoint saved on CUDA ${pythonMissingReason}`, () => {
  const file = join(dir, 'gpu.pt');
  const ref = python
    ? runPython<{ a: number[]; b: number[] }>(`
import torch.serialization as ser
real = ser.location_tag
ser.location_tag = lambda storage: 'cuda:1' if storage.nbytes() == 12 else 'cuda:0'
a = torch.arange(4.0); b = torch.tensor([7.0, 8.0, 9.0])
torch.save({'a': a, 'b': b}, ${JSON.stringify(file)})
ser.location_tag = real
out = {'a': a.tolist(), 'b': b.tolist()}
`)
    : { a: [], b: [] };

  it("loads onto the CPU with map_location 'cpu', a device, a dict or a function", () => {
    for (const ml of ['cpu', new torch.device('cpu'), { 'cuda:0': 'cpu', 'cuda:1': 'cpu' }]) {
      const sd = torch.load(file, { map_location: ml });
      expect(entry(sd, 'a').device.toString()).toBe('cpu');
      expect(entry(sd, 'a').tolist()).toEqual(ref.a);
      expect(entry(sd, 'b').tolist()).toEqual(ref.b);
    }
    const seen: string[] = [];
    const sd = torch.load(file, { map_location: (s: torch.Tensor, loc: string) => (seen.push(loc), s) });
    expect(entry(sd, 'b').tolist()).toEqual(ref.b);
    expect(seen.sort()).toEqual(['cuda:0', 'cuda:1']);
  });

  it.skipIf(torch.cuda.is_available())('without map_location, says that CUDA is not available and how to load on the CPU', () => {
    expect(() => torch.load(file)).toThrow(/Attempting to deserialize object on a CUDA device but torch.cuda.is_available\(\) is False.*map_location/);
    expect(() => torch.load(file, { map_location: 'cuda:0' })).toThrow(/torch.cuda.is_available\(\) is False/);
  });
});
