// torch.loadAsync / torch.saveAsync: the same results as load / save on every
// fixture format, the same bytes on disk, and concurrent awaited loads and saves
// of different files do not interfere, while the event loop keeps turning.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { loadAsync, saveAsync } from '../../lib/serialization/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/serialization/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tn-async-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const live = (): number => torch.memory().liveTensors;

/** A comparable plain form of whatever load returns (tensors as dtype, shape and values). */
function plain(v: unknown): unknown {
  if (v instanceof torch.Tensor) {
    const d = v.dtype;
    const values = d === 'float16' || d === 'bfloat16' || d === 'complex64' || d === 'complex128' ? Array.from(v.toTypedArray() as ArrayLike<number>) : v.tolist();
    return { dtype: d, shape: v.shape, values, requires_grad: v.requires_grad };
  }
  if (v instanceof Map) return [...v].map(([k, x]) => [plain(k), plain(x)]);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Set) return [...v].map(plain);
  if (typeof v === 'bigint') return `${v}n`;
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function disposeAll(v: unknown): void {
  if (v instanceof torch.Tensor) v.dispose();
  else if (v instanceof Map) for (const x of v.values()) disposeAll(x);
  else if (Array.isArray(v)) v.forEach(disposeAll);
  else if (v && typeof v === 'object') Object.values(v).forEach(disposeAll);
}

const LOADABLE = [
  'archive_root.pt', 'big_endian.pt', 'checkpoint.pt', 'custom_root.pt', 'deflated.pt', 'dtypes.pt', 'legacy_checkpoint.pt',
  'legacy_views.pt', 'parameter.pt', 'pytorch2_protocol2.pt', 'pytorch2_protocol4.pt', 'pytorch2_protocol5.pt', 'state_dict.pt',
  'tensor.pt', 'views.pt', 'zip64.pt',
];

describe('torch.loadAsync', () => {
  for (const name of LOADABLE) {
    it(`reads ${name} as torch.load does, and leaves no tensor behind`, async () => {
      const before = live();
      const sync = torch.load(join(FIXTURES, name));
      const asyncResult = await loadAsync(join(FIXTURES, name));
      expect(plain(asyncResult)).toEqual(plain(sync));
      disposeAll(sync);
      disposeAll(asyncResult);
      expect(live()).toBe(before);
    });
  }

  it('keeps views sharing one storage, as load does', async () => {
    const r = await loadAsync(join(FIXTURES, 'views.pt'));
    const tensors: torch.Tensor[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof torch.Tensor) tensors.push(v);
      else if (v instanceof Map) v.forEach(walk);
      else if (Array.isArray(v)) v.forEach(walk);
    };
    walk(r);
    expect(tensors.length).toBeGreaterThan(1);
    // Writing through one view shows through the others that overlap it.
    const sums = (): number[] => torch.scope(() => tensors.map((t) => t.sum().item()));
    const sumsBefore = sums();
    tensors[0]!.fill_(7);
    const sumsAfter = sums();
    expect(sumsAfter.filter((s, i) => s !== sumsBefore[i]).length).toBeGreaterThan(1);
    disposeAll(r);
  });

  it('refuses what load refuses, with the same message, and leaks nothing', async () => {
    const before = live();
    for (const name of ['malicious_eval.pt', 'malicious_os_system.pt', 'malicious_legacy.pt', 'numpy.pt', 'torchscript.pt', 'model.safetensors']) {
      let syncMessage = '';
      try {
        torch.load(join(FIXTURES, name));
      } catch (e) {
        syncMessage = (e as Error).message;
      }
      expect(syncMessage).not.toBe('');
      await expect(loadAsync(join(FIXTURES, name))).rejects.toThrow(syncMessage);
    }
    await expect(loadAsync(join(dir, 'missing.pt'))).rejects.toThrow(/ENOENT/);
    await expect(loadAsync(dir)).rejects.toThrow(/is a directory/);
    await expect(loadAsync(42 as unknown as string)).rejects.toThrow('expected a file path or a Buffer, got number');
    await expect(loadAsync(join(FIXTURES, 'tensor.pt'), { weights_only: false })).rejects.toThrow(/weights_only=false is not supported/);
    expect(live()).toBe(before);
  });

  it('reports a truncated file as truncated, for every cut of a small checkpoint', async () => {
    const whole = readFileSync(join(FIXTURES, 'state_dict.pt'));
    const before = live();
    const cut = join(dir, 'cut.pt');
    for (let n = 0; n < whole.length; n += Math.max(1, Math.floor(whole.length / 40))) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(cut, whole.subarray(0, n));
      const err = await loadAsync(cut).then(
        (r) => {
          disposeAll(r);
          return null;
        },
        (e: Error) => e,
      );
      expect(err, `cut at ${n} of ${whole.length}`).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/truncated|empty|not a PyTorch checkpoint|not a valid zip|corrupted|incomplete/);
    }
    expect(live()).toBe(before);
  });

  it('loads from a Buffer as load does', async () => {
    const r = await loadAsync<torch.Tensor>(readFileSync(join(FIXTURES, 'tensor.pt')));
    const s = torch.load<torch.Tensor>(join(FIXTURES, 'tensor.pt'));
    expect(plain(r)).toEqual(plain(s));
    r.dispose();
    s.dispose();
  });
});

describe('torch.saveAsync', () => {
  it('writes the same bytes as save, leaves no temporary file and frees nothing it should keep', async () => {
    torch.manual_seed(0);
    const model = new torch.nn.Sequential(new torch.nn.Linear(10, 20), new torch.nn.ReLU(), new torch.nn.Linear(20, 10));
    const sd = model.state_dict();
    const view = torch.arange(24, { dtype: 'float64' }).reshape([4, 6]);
    const obj = { sd, view, slice: view.get(torch.slice(1, 3)), big: torch.randn(3, 1000, 100), name: 'x', n: 3 };
    const before = live();
    save(obj, 'sync.pt');
    await saveAsync(obj, join(dir, 'async.pt'));
    expect(readFileSync(join(dir, 'async.pt')).equals(readFileSync(join(dir, 'sync.pt')))).toBe(true);
    expect(live()).toBe(before);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await saveAsync(obj, join(dir, 'z64.pt'), { _force_zip64: true });
    const back = await loadAsync(join(dir, 'z64.pt'));
    const syncBack = torch.load(join(dir, 'z64.pt'));
    expect(plain(back)).toEqual(plain(syncBack));
    expect(plain((back as Map<string, unknown>).get('big'))).toEqual(plain(obj.big));
    disposeAll(back);
    disposeAll(syncBack);
  });

  it('a tensor disposed while the save is in flight is still written whole', async () => {
    const t = torch.arange(3_000_000, { dtype: 'float32' });
    const expected = t.sum().item();
    const p = saveAsync(t, join(dir, 'disposed.pt'));
    t.dispose();
    await p;
    const back = await loadAsync<torch.Tensor>(join(dir, 'disposed.pt'));
    expect(back.sum().item()).toBe(expected);
    back.dispose();
  });

  it('refuses bad arguments with the reason', async () => {
    await expect(saveAsync(torch.ones(1), 42 as unknown as string)).rejects.toThrow('torch.saveAsync: f must be a file path or a writable stream');
    await expect(saveAsync(torch.ones(1), join(dir, 'x.pt'), { _use_new_zipfile_serialization: false })).rejects.toThrow(/only the zip format/);
    const gone = torch.ones(2);
    gone.dispose();
    await expect(saveAsync({ w: gone }, join(dir, 'x.pt'))).rejects.toThrow(/the tensor at .*w.* has been disposed/);
    await expect(saveAsync(torch.ones(1), join(dir, 'no', 'such', 'dir.pt'))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!python)(`Python's torch.load(weights_only=True) reads what saveAsync wrote ${python ? '' : pythonMissingReason}`, async () => {
    torch.manual_seed(1);
    const sd = new torch.nn.Linear(3, 2).state_dict();
    await saveAsync({ model: sd, step: 7 }, join(dir, 'py.pt'));
    const out = runPython<{ keys: string[]; step: number; w: number[][] }>(`
ck = torch.load(${JSON.stringify(join(dir, 'py.pt'))}, weights_only=True)
out = {'keys': list(ck['model'].keys()), 'step': ck['step'], 'w': ck['model']['weight'].tolist()}`);
    expect(out.keys).toEqual(['weight', 'bias']);
    expect(out.step).toBe(7);
    expect(out.w).toEqual(sd.get('weight')!.tolist());
  });
});

describe('concurrent async loads and saves', () => {
  it('of different files do not interfere, and the event loop keeps turning', async () => {
    const before = live();
    const N = 8;
    const originals = Array.from({ length: N }, (_, i) => torch.full([64, 1024], i + 0.5));
    const shapes = Array.from({ length: N }, (_, i) => torch.arange(i + 1));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    // Round 1: all saves at once; round 2: loads of those and saves of new files, interleaved.
    await Promise.all(originals.map((t, i) => saveAsync({ t, s: shapes[i], i }, join(dir, `c${i}.pt`))));
    const results = await Promise.all([
      ...originals.map((_, i) => loadAsync(join(dir, `c${i}.pt`))),
      ...originals.map((t, i) => {
        const doubled = t.mul(2);
        return saveAsync({ t: doubled, i }, join(dir, `d${i}.pt`)).then(() => doubled.dispose() ?? null);
      }),
    ]);
    const reloaded = await Promise.all(originals.map((_, i) => loadAsync(join(dir, `d${i}.pt`))));
    clearInterval(ticker);
    for (let i = 0; i < N; i++) {
      const r = results[i] as Map<string, unknown>;
      expect(r.get('i')).toBe(i);
      expect((r.get('t') as torch.Tensor).equal(originals[i]!)).toBe(true);
      expect((r.get('s') as torch.Tensor).tolist()).toEqual(shapes[i]!.tolist());
      const d = reloaded[i] as Map<string, unknown>;
      expect(d.get('i')).toBe(i);
      expect(torch.scope(() => (d.get('t') as torch.Tensor).mean().item())).toBe(2 * (i + 0.5));
    }
    expect(ticks).toBeGreaterThan(0);
    results.forEach(disposeAll);
    reloaded.forEach(disposeAll);
    originals.forEach((t) => t.dispose());
    shapes.forEach((t) => t.dispose());
    expect(live()).toBe(before);
  });

  it('concurrent saves to one name leave one whole, loadable version', async () => {
    const path = join(dir, 'same.pt');
    const versions = Array.from({ length: 6 }, (_, i) => torch.full([256, 256], i));
    await Promise.all(versions.map((t) => saveAsync(t, path)));
    const back = await loadAsync<torch.Tensor>(path);
    const v = back.get(0, 0).item();
    expect(back.eq(v).all().item()).toBe(true);
    expect(Number.isInteger(v) && v >= 0 && v < 6).toBe(true);
    back.dispose();
    versions.forEach((t) => t.dispose());
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

function save(obj: unknown, name: string): void {
  torch.save(obj, join(dir, name));
}
