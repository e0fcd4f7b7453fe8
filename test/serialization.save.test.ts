// torch.save on its own: atomic writes, refusals that say where the bad value sits,
// the same bytes to a path and to a stream, and loading back what it wrote.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderedDict } from '../lib/collections.js';
import { load, save } from '../lib/serialization/index.js';
import { snative } from '../lib/serialization/native.js';
import { ZipReader } from '../lib/serialization/zip.js';
import { BufferSource } from '../lib/serialization/source.js';
import * as torch from '../lib/torch.js';
import { disposeAll, encode } from './helpers/serialization.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-node-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('torch.save', () => {
  it('replaces a file atomically and leaves nothing behind when it fails', () => {
    const path = join(dir, 'ck.pt');
    writeFileSync(path, 'the previous checkpoint');
    expect(() => save({ w: torch.ones(2), fn: () => 1 }, path)).toThrow(/cannot save a function \(at obj\["fn"\]\)/);
    expect(readFileSync(path, 'utf8')).toBe('the previous checkpoint');
    expect(readdirSync(dir)).toEqual(['ck.pt']);
    save({ w: torch.ones(2) }, path);
    expect(readdirSync(dir)).toEqual(['ck.pt']);
    const back = load(path);
    expect((back.get('w') as torch.Tensor).tolist()).toEqual([1, 1]);
    disposeAll(back);
  });

  it('writes the same bytes to a path and to a stream', () => {
    const obj = new OrderedDict<string, unknown>([['a', torch.arange(10)], ['b', [1, 2.5, 'x']]]);
    const path = join(dir, 'same.pt');
    save(obj, path);
    const chunks: Uint8Array[] = [];
    save(obj, { write: (c: Uint8Array) => chunks.push(c) });
    expect(Buffer.concat(chunks).equals(readFileSync(path))).toBe(true);
  });

  it('writes records as PyTorch does: archive/ root, data.pkl first, 64-byte aligned storages', () => {
    const chunks: Uint8Array[] = [];
    const base = torch.arange(12, { dtype: 'float32' });
    save({ x: base, v: base.narrow(0, 2, 5), y: torch.ones(3, { dtype: 'float64' }) }, { write: (c: Uint8Array) => chunks.push(c) });
    const buf = Buffer.concat(chunks);
    const zip = new ZipReader(new BufferSource(buf));
    expect(zip.names).toEqual(['archive/data.pkl', 'archive/byteorder', 'archive/data/0', 'archive/data/1', 'archive/version']);
    for (const n of zip.names) {
      const e = zip.get(n)!;
      expect(e.method).toBe(0);
      if (n.includes('/data/')) expect(zip.dataOffset(e) % 64).toBe(0);
    }
    expect(zip.get('archive/data/0')!.size).toBe(48); // the view shares base's storage: written once
  });

  it('refuses what it cannot write, saying where', () => {
    const sink = { write: () => undefined };
    expect(() => save({ a: [1, { b: new Float32Array(2) }] }, sink)).toThrow(/Float32Array \(at obj\["a"\]\[1\]\["b"\]\): make it a tensor/);
    expect(() => save({ d: new Date() }, sink)).toThrow(/class Date \(at obj\["d"\]\)/);
    expect(() => save(Symbol('s'), sink)).toThrow(/cannot save a symbol/);
    const t = torch.ones(2);
    t.dispose();
    expect(() => save({ t }, sink)).toThrow(/disposed/);
    const base = torch.zeros(4);
    expect(() => save([base, base.view('int32')], sink)).toThrow(/same data as different types/);
    const tup: unknown[] = torch.serialization.tuple([1]);
    tup.push(tup);
    expect(() => save(tup, sink)).toThrow(/contains itself/);
    expect(() => save({}, join(dir, 'no', 'such', 'folder.pt'))).toThrow(/ENOENT/);
    expect(() => save({}, 42 as never)).toThrow(/file path or a writable stream/);
  });

  it('keeps lists that contain themselves, as pickle does', () => {
    const l: unknown[] = [1];
    l.push(l);
    const chunks: Uint8Array[] = [];
    save(l, { write: (c: Uint8Array) => chunks.push(c) });
    const back = load(Buffer.concat(chunks)) as unknown[];
    expect(back[0]).toBe(1);
    expect(back[1]).toBe(back);
  });

  it('round-trips through zip64 records', () => {
    const path = join(dir, 'z64.pt');
    const obj = { a: torch.randn(5, 5), b: [1, 2], c: torch.tensor([true, false]) };
    save(obj, path, { _force_zip64: true });
    const back = load(path);
    expect(encode(back)).toEqual(encode(obj));
    disposeAll(back);
  });

  it('tells V8 about the loaded bytes once the load is done', () => {
    const path = join(dir, 'big.pt');
    const t = torch.zeros(4, 1024, 1024); // 16 MiB
    save({ t }, path);
    t.dispose();
    const before = snative.externalMemory();
    const back = load(path);
    expect(snative.externalMemory() - before).toBeGreaterThan(15 * 2 ** 20);
    disposeAll(back);
    expect(snative.externalMemory() - before).toBeLessThan(2 * 2 ** 20);
  });
});
