// safetensors and sharded checkpoints: files written by a reference writer in
// Python (scripts/fixtures/serialization.py) load here; files written here load
// in Python with the reference reader and as torch tensors; bad files give clear errors.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderedDict } from '../lib/collections.js';
import { CheckpointError, load, load_sharded, safetensors, save_sharded } from '../lib/serialization/index.js';
import type { Tensor } from '../lib/tensor.js';
import * as torch from '../lib/torch.js';
import { python, runPython } from './helpers/python.js';
import { disposeAll, encode, FIXTURES, PY_PRELUDE } from './helpers/serialization.js';

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, { __dict__: unknown[] }>;
const dir = mkdtempSync(join(tmpdir(), 'torch-node-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsTensors(): OrderedDict<string, Tensor> {
  torch.manual_seed(0);
  const base = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
  return new OrderedDict<string, Tensor>([
    ['w', torch.randn(4, 3)],
    ['w_t', base.t()], // non-contiguous: written compactly
    ['row', base.select(0, 1)], // a slice of a bigger storage: only its bytes are written
    ['half', torch.tensor([1.5, -2], { dtype: 'float16' })],
    ['bf', torch.tensor([0.25], { dtype: 'bfloat16' })],
    ['ids', torch.tensor([1n, -(2n ** 62n)], { dtype: 'int64' })],
    ['i8', torch.tensor([-3, 4], { dtype: 'int8' })],
    ['mask', torch.tensor([true, false])],
    ['scalar', torch.tensor(7.0, { dtype: 'float64' })],
    ['empty', torch.zeros(0, 2)],
  ]);
}

describe('safetensors', () => {
  it('loads a file written by the reference writer: values, dtypes, order, metadata', () => {
    const t = safetensors.load_file(join(FIXTURES, 'model.safetensors'));
    const want = expected['model.safetensors']!;
    expect(encode(t)).toEqual({ ...want, ordered: true });
    expect(safetensors.load_metadata(join(FIXTURES, 'model.safetensors'))).toEqual({ format: 'pt', note: 'fixture' });
    const again = safetensors.load(readFileSync(join(FIXTURES, 'model.safetensors')));
    expect(encode(again)).toEqual(encode(t));
    disposeAll(t);
    disposeAll(again);
  });

  it('safe_open reads the header first and tensors on demand', () => {
    using f = new safetensors.safe_open(join(FIXTURES, 'model.safetensors'));
    expect(f.keys()).toEqual(['embed.weight', 'head.bias', 'head.weight', 'ids', 'mask']);
    expect(f.metadata()).toEqual({ format: 'pt', note: 'fixture' });
    const t = f.get_tensor('embed.weight');
    expect(t.shape).toEqual([3, 4]);
    expect(t.sum().item()).toBe(66);
    t.dispose();
    expect(() => f.get_tensor('nope')).toThrow(/no tensor named 'nope'/);
  });

  it('round-trips here, from a file and from bytes', () => {
    const t = tsTensors();
    const path = join(dir, 'ts.safetensors');
    safetensors.save_file(t, path, { format: 'pt', epoch: '3' });
    const back = safetensors.load_file(path);
    const fromBytes = safetensors.load(safetensors.save(t, { format: 'pt' }));
    // values, dtypes and shapes equal; each tensor has a compact storage of its own
    const strip = (e: unknown): unknown => JSON.parse(JSON.stringify(e, (k, v) => (k === 'storage' || k === 'stride' || k === 'offset' ? undefined : v)));
    expect(strip(encode(back))).toEqual(strip(encode(t)));
    expect(strip(encode(fromBytes))).toEqual(strip(encode(t)));
    expect((back.get('w_t') as Tensor).is_contiguous()).toBe(true);
    expect(safetensors.load_metadata(path)).toEqual({ format: 'pt', epoch: '3' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    disposeAll(back);
    disposeAll(fromBytes);
  });

  it.skipIf(!python)('Python reads what torch-node writes', () => {
    const t = tsTensors();
    const path = join(dir, 'for_python.safetensors');
    safetensors.save_file(t, path, { format: 'pt' });
    const got = runPython<{ value: unknown; meta: unknown }>(
      PY_PRELUDE +
        `import collections\nsd, meta = read_safetensors(${JSON.stringify(path)})\n` +
        `out = {'value': encode(collections.OrderedDict((k, v.contiguous()) for k, v in sd.items())), 'meta': meta}\n`,
    );
    const strip = (e: unknown): unknown => JSON.parse(JSON.stringify(e, (k, v) => (k === 'storage' || k === 'stride' || k === 'offset' ? undefined : v)));
    expect(strip(got.value)).toEqual(strip(encode(t)));
    expect(got.meta).toEqual({ format: 'pt' });
  });

  it('refuses malformed files with clear errors', () => {
    const good = readFileSync(join(FIXTURES, 'model.safetensors'));
    const n = Number(good.readBigUInt64LE(0));
    const header = JSON.parse(good.subarray(8, 8 + n).toString()) as Record<string, { data_offsets: number[]; dtype: string }>;
    const withHeader = (h: unknown, data = good.subarray(8 + n)): Buffer => {
      const text = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(text.length));
      return Buffer.concat([len, text, data]);
    };
    expect(() => safetensors.load(Buffer.alloc(4))).toThrow(/shorter than its 8-byte header/);
    expect(() => safetensors.load(good.subarray(0, 20))).toThrow(/header claims/);
    expect(() => safetensors.load(good.subarray(0, good.length - 3))).toThrow(/truncated/);
    const bad = Buffer.from(good);
    bad[10] = 0x00;
    expect(() => safetensors.load(bad)).toThrow(/not JSON/);
    expect(() => safetensors.load(withHeader({ ...header, 'embed.weight': { ...header['embed.weight'], dtype: 'F8_E4M3' } }))).toThrow(/dtype "F8_E4M3"/);
    expect(() => safetensors.load(withHeader({ ...header, 'embed.weight': { ...header['embed.weight'], data_offsets: [0, 4] } }))).toThrow(/needs 48 bytes/);
    expect(() => safetensors.load(withHeader({ x: { dtype: 'F32', shape: [1e9], data_offsets: [0, 4e9] } }))).toThrow(/truncated/);
    for (const e of [() => safetensors.load(Buffer.alloc(4))]) {
      try {
        e();
      } catch (err) {
        expect(err).toBeInstanceOf(CheckpointError);
      }
    }
  });
});

describe('sharded checkpoints', () => {
  it('save_sharded splits by size and load_sharded puts it back together, both formats', () => {
    const sd = new OrderedDict<string, Tensor>(
      Array.from({ length: 7 }, (_, i) => [`layer${i}.weight`, torch.full([10, 10], i, { dtype: 'float32' })] as [string, Tensor]),
    );
    for (const safe of [true, false]) {
      const out = join(dir, safe ? 'sharded_st' : 'sharded_bin');
      const { files, index } = save_sharded(sd, out, { max_shard_size: 1000, safe_serialization: safe });
      expect(files.length).toBe(4); // 400 bytes per tensor, 2 per shard
      expect(index).toMatch(safe ? /model\.safetensors\.index\.json$/ : /pytorch_model\.bin\.index\.json$/);
      const idx = JSON.parse(readFileSync(index!, 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
      expect(idx.metadata.total_size).toBe(7 * 400);
      expect(idx.weight_map['layer6.weight']).toBe(safe ? 'model-00004-of-00004.safetensors' : 'pytorch_model-00004-of-00004.bin');
      const back = load_sharded(index!);
      expect(encode(back)).toEqual(encode(sd));
      disposeAll(back);
    }
    const one = save_sharded(sd, join(dir, 'single'), { max_shard_size: '1MB' });
    expect(one.index).toBeNull();
    expect(one.files[0]).toMatch(/model\.safetensors$/);
  });

  it.skipIf(!python)('Python reads torch-node shards through their index', () => {
    const sd = new OrderedDict<string, Tensor>([['a', torch.ones(3)], ['b', torch.arange(4)], ['c', torch.zeros(2, 2)]]);
    const st = save_sharded(sd, join(dir, 'py_st'), { max_shard_size: 20 });
    const bin = save_sharded(sd, join(dir, 'py_bin'), { max_shard_size: 20, safe_serialization: false });
    const got = runPython<Record<string, unknown>>(
      PY_PRELUDE +
        `import json, os, collections\nout = {}\nfor kind, index in (('st', ${JSON.stringify(st.index)}), ('bin', ${JSON.stringify(bin.index)})):\n` +
        `    wm = json.load(open(index))['weight_map']\n    full = collections.OrderedDict()\n` +
        `    for f in sorted(set(wm.values())):\n        p = os.path.join(os.path.dirname(index), f)\n` +
        `        sd = read_safetensors(p)[0] if f.endswith('.safetensors') else strict_load(p)[0]\n        full.update(sd)\n` +
        `    out[kind] = encode(collections.OrderedDict((k, v.contiguous()) for k, v in full.items()))\n`,
    );
    const strip = (e: unknown): unknown => JSON.parse(JSON.stringify(e, (k, v) => (k === 'storage' ? undefined : v)));
    expect(strip(got.st)).toEqual(strip(encode(sd)));
    expect(strip(got.bin)).toEqual(strip(encode(sd)));
  });

  it('refuses shard paths outside the index folder and missing tensors', () => {
    const idx = join(dir, 'evil.index.json');
    writeFileSync(idx, JSON.stringify({ weight_map: { a: '../../etc/passwd' } }));
    expect(() => load_sharded(idx)).toThrow(/inside the index's folder/);
    writeFileSync(idx, JSON.stringify({ weight_map: { zzz: 'model-00001-of-00002.safetensors' } }));
    const copy = join(dir, 'model-00001-of-00002.safetensors');
    writeFileSync(copy, readFileSync(join(FIXTURES, 'sharded', 'model-00001-of-00002.safetensors')));
    expect(() => load_sharded(idx)).toThrow(/'zzz' is missing/);
    writeFileSync(idx, '{"nope": 1}');
    expect(() => load_sharded(idx)).toThrow(/no "weight_map"/);
    expect(() => load(idx)).toThrow(/JSON/);
  });
});
