// torch.load(f, {mmap: true}), as PyTorch 2.1's mmap=True: the same values as a read
// load for every zip fixture PyTorch wrote, nothing read up front, copy-on-write (a
// write never reaches the file), and the mapping gone once its last storage is.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, load, loadAsync, save } from '../lib/serialization/index.js';
import * as torch from '../lib/torch.js';
import { disposeAll, encode, FIXTURES, normalizeDtypes } from './helpers/serialization.js';

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, unknown>;
const ZIP_FILES = [
  'state_dict.pt', 'dtypes.pt', 'views.pt', 'checkpoint.pt', 'tensor.pt', 'parameter.pt', 'custom_root.pt', 'archive_root.pt',
  'deflated.pt', 'zip64.pt', 'big_endian.pt', 'pytorch2_protocol2.pt', 'pytorch2_protocol4.pt', 'pytorch2_protocol5.pt',
];

const dir = mkdtempSync(join(tmpdir(), 'torch-node-mmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether this process has the file mapped (Linux: /proc/self/maps names mapped files). */
const mapped = (path: string): boolean => {
  torch.memory(); // a native call: frees what dispose() queued
  return readFileSync('/proc/self/maps', 'utf8').includes(path);
};
/** Resident memory of this process, in bytes. */
const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

describe('torch.load with mmap: true', () => {
  for (const name of ZIP_FILES) {
    it(`${name}: the same values, dtypes and shared storages as Python saw`, () => {
      const obj = load(join(FIXTURES, name), { mmap: true });
      expect(encode(obj)).toEqual(normalizeDtypes(expected[name]));
      disposeAll(obj);
    });
  }

  it('reads nothing up front, maps the file until the last storage goes, and never writes to it', () => {
    const file = join(dir, 'big.pt');
    const n = 16 << 20; // 64 MiB of float32
    const src = torch.arange(0, n, 1, { dtype: 'float32' });
    save({ w: src, b: torch.ones(3) }, file);
    const before = readFileSync(file);
    const rssBefore = rss();
    const sd = load(join(dir, 'big.pt'), { mmap: true });
    // Mapped, not read: the process did not grow by the tensor's 64 MiB.
    expect(rss() - rssBefore).toBeLessThan(16 << 20);
    expect(mapped(file)).toBe(true);
    const w = sd.get('w') as torch.Tensor;
    expect(w.shape).toEqual([n]);
    // (views made by get() share the mapping: the scope frees them)
    torch.scope(() => {
      expect(w.get(n - 1).item()).toBe(n - 1);
      expect(w.equal(src)).toBe(true);
      // Copy-on-write: the tensor changes, the file does not.
      w.mul_(2);
      expect(w.get(3).item()).toBe(6);
      expect(readFileSync(file).equals(before)).toBe(true);
      const again = load(file, { mmap: true });
      expect((again.get('w') as torch.Tensor).get(3).item()).toBe(3);
      disposeAll(again);
    });
    // A resize moves the storage to ordinary memory and keeps the data.
    const b = sd.get('b') as torch.Tensor;
    b.resize_(5);
    expect((b.tolist() as number[]).slice(0, 3)).toEqual([1, 1, 1]);
    expect(mapped(file)).toBe(true);
    disposeAll(sd);
    expect(mapped(file)).toBe(false);
    src.dispose();
  });

  it('loadAsync takes mmap too', async () => {
    const obj = await loadAsync(join(FIXTURES, 'state_dict.pt'), { mmap: true });
    expect(encode(obj)).toEqual(normalizeDtypes(expected['state_dict.pt']));
    disposeAll(obj);
  });

  it("refuses what Python refuses: a Buffer, and the legacy format, with Python's words", () => {
    const buf = readFileSync(join(FIXTURES, 'tensor.pt'));
    expect(() => load(buf, { mmap: true })).toThrow(CheckpointError);
    expect(() => load(buf, { mmap: true })).toThrow('f must be a file path in order to use the mmap argument');
    expect(() => load(join(FIXTURES, 'legacy_checkpoint.pt'), { mmap: true })).toThrow(
      'mmap can only be used with files saved with `torch.save(_use_new_zipfile_serialization=True)`',
    );
    expect(mapped(join(FIXTURES, 'legacy_checkpoint.pt'))).toBe(false);
  });
});
