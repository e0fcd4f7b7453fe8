// Round trips against real PyTorch, both ways:
// - Python writes (zip and legacy format), torch-node reads: same values, dtypes, types, sharing;
// - torch-node writes, Python reads with a loader restricted to PyTorch >= 2.6's weights_only
//   allowlist (and with 1.13's own weights_only=True, whose known gaps are checked by name);
// - Python -> torch-node -> Python: what comes back equals what Python saved.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrap, op } from '../lib/bridge.js';
import { OrderedDict } from '../lib/collections.js';
import { device } from '../lib/device.js';
import type { dtype } from '../lib/dtype.js';
import { native } from '../lib/native.js';
import { Parameter } from '../lib/nn/parameter.js';
import { markPlainDict, markSize } from '../lib/serialization/pickle.js';
import { load, save, tuple } from '../lib/serialization/index.js';
import { Tensor } from '../lib/tensor.js';
import * as torch from '../lib/torch.js';
import { python, runPython } from './helpers/python.js';
import { disposeAll, encode, normalizeDtypes, PY_PRELUDE } from './helpers/serialization.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-node-ser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- Python writes, torch-node reads ------------------------------------------------------

const PY_CASES = `
import collections, io
from serialization import _model, _dtypes, _views, _checkpoint
torch.manual_seed(1)
cases = {}
m = _model()
cases['state_dict'] = m.state_dict()
cases['dtypes'] = _dtypes()
for name, t in _dtypes().items():
    cases['tensor_' + name] = t
cases['views'] = _views()
cases['checkpoint'] = _checkpoint()
cases['parameter'] = torch.nn.Parameter(torch.randn(3, 2))
cases['frozen_parameter'] = torch.nn.Parameter(torch.randn(2), requires_grad=False)
cases['requires_grad'] = torch.randn(4).requires_grad_()
cases['channels_last'] = torch.randn(2, 3, 4, 5).to(memory_format=torch.channels_last)
cases['big_tensor'] = torch.randn(512, 512)
w = torch.randn(4, 3)
cases['tied'] = collections.OrderedDict([('enc.weight', w), ('dec.weight', w), ('dec.t', w.t()), ('w_row', w[1])])
sgd = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
m(torch.randn(2, 1, 4, 4)).sum().backward(); sgd.step()
cases['sgd_state'] = sgd.state_dict()
adam = torch.optim.Adam(m.parameters()); adam.step()
cases['adam_state'] = adam.state_dict()
cases['nested'] = {'a': [1, (2, [3, {'b': (None, True, 'x')}])], 'c': {}, 'd': [], 'e': ()}
cases['many_keys'] = {f'k{i}': i for i in range(1500)}
cases['long_list'] = list(range(2500))
cases['int'] = 42
cases['negative_int'] = -7
cases['big_int'] = 2**80
cases['float'] = 0.25
cases['str'] = 'héllo'
cases['bool'] = True
cases['none'] = None
cases['size'] = torch.Size([3, 4])
cases['dtype'] = torch.bfloat16
cases['device'] = torch.device('cuda', 0)
cases['int_keys'] = {0: 'a', 1: 'b', -5: 'c', 10**12: 'd'}
out = {}
for name, obj in cases.items():
    torch.save(obj, f'{DIR}/py_{name}.pt')
    torch.save(obj, f'{DIR}/py_{name}.legacy.pt', _use_new_zipfile_serialization=False)
    out[name] = encode(obj)
`;

describe.skipIf(!python)('Python writes, torch-node reads', () => {
  let expected: Record<string, unknown> = {};
  beforeAll(() => {
    expected = runPython(PY_PRELUDE + PY_CASES.replace(/\{DIR\}/g, dir) + '\n') as Record<string, unknown>;
  }, 120_000);

  it('reads every case in both formats, from a path and from a Buffer', () => {
    const names = Object.keys(expected);
    expect(names.length).toBeGreaterThanOrEqual(40);
    let checked = 0;
    for (const name of names) {
      for (const file of [`py_${name}.pt`, `py_${name}.legacy.pt`]) {
        const fromPath = load(join(dir, file));
        expect(encode(fromPath), file).toEqual(normalizeDtypes(expected[name]));
        disposeAll(fromPath);
        if (name !== 'big_tensor') {
          const fromBuf = load(readFileSync(join(dir, file)));
          expect(encode(fromBuf), `${file} (Buffer)`).toEqual(normalizeDtypes(expected[name]));
          disposeAll(fromBuf);
        }
        checked++;
      }
    }
    console.log(`Python -> torch-node: ${checked} files (${names.length} cases x 2 formats) equal`);
  });
});

// ---- torch-node writes, Python reads ---------------------------------------------------------

function fromBytes(a: ArrayBufferView, dt: dtype, shape: number[]): Tensor {
  return wrap(native.fromBytes(a, dt, shape));
}

function tsDtypes(): OrderedDict<string, Tensor> {
  const f = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 3.140625];
  const d = new OrderedDict<string, Tensor>();
  d.set('float32', fromBytes(Float32Array.from(f), 'float32', [8]));
  d.set('float64', fromBytes(Float64Array.from([...f, 1e-300]), 'float64', [9]));
  d.set('float16', torch.tensor(f, { dtype: 'float16' }));
  d.set('bfloat16', torch.tensor(f, { dtype: 'bfloat16' }));
  d.set('int8', fromBytes(Int8Array.from([-128, 0, 127]), 'int8', [3]));
  d.set('int16', fromBytes(Int16Array.from([-32768, 7, 32767]), 'int16', [3]));
  d.set('int32', fromBytes(Int32Array.from([-(2 ** 31), 5, 2 ** 31 - 1]), 'int32', [3]));
  d.set('int64', fromBytes(BigInt64Array.from([-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n]), 'int64', [3]));
  d.set('uint8', fromBytes(Uint8Array.from([0, 1, 255]), 'uint8', [3]));
  d.set('bool', torch.tensor([true, false, true]));
  d.set('complex64', fromBytes(Float32Array.from([1, 2, 0, -0.5]), 'complex64', [2]));
  d.set('complex128', fromBytes(Float64Array.from([3, -4, NaN, 0]), 'complex128', [2]));
  d.set('scalar', torch.tensor(2.5));
  d.set('empty', torch.zeros(0, 3));
  return d;
}

const AS_STRIDED = op('as_strided');

function tsCases(): Map<string, unknown> {
  torch.manual_seed(3);
  const cases = new Map<string, unknown>();
  const dts = tsDtypes();
  cases.set('dtypes', dts);
  for (const [k, t] of dts) cases.set(`tensor_${k}`, t);

  const base = torch.arange(24, { dtype: 'float32' }).reshape(4, 6);
  const shared = torch.arange(5);
  cases.set('views', {
    base, t: base.t(), row: base.select(0, 2), col: base.select(1, 3), slice: base.narrow(0, 1, 2).narrow(1, 2, 3),
    strided: AS_STRIDED.t(base, [2, 2], [12, 3], 0), expanded: base.select(0, 0).narrow(0, 0, 1).expand(3, 4),
    as_strided: AS_STRIDED.t(base, [2, 2], [1, 6], 7), a: shared, b: shared.narrow(0, 1, 4), other: torch.ones(2),
  });

  const w = torch.randn(4, 3);
  const sd = new OrderedDict<string, Tensor>([
    ['0.weight', torch.randn(3, 2)], ['0.bias', torch.zeros(3)], ['1.running_mean', torch.zeros(3)],
    ['1.num_batches_tracked', torch.tensor(5)], ['2.weight', w], ['3.weight', w],
  ]);
  sd._metadata = new Map([['', { version: 1 }], ['0', { version: 1 }], ['1', { version: 2 }]]);
  cases.set('state_dict', sd);

  const adamState = new Map<number, unknown>();
  for (const [i, shape] of [[0, [3, 2]], [1, [3]]] as [number, number[]][]) {
    adamState.set(i, new Map<string, unknown>([['step', torch.tensor(3.0)], ['exp_avg', torch.randn(shape)], ['exp_avg_sq', torch.rand(shape)]]));
  }
  const optimizer = new Map<string, unknown>([
    ['state', adamState],
    ['param_groups', [new Map<string, unknown>([
      ['lr', 0.001], ['betas', tuple([0.9, 0.999])], ['eps', 1e-8], ['weight_decay', 0], ['amsgrad', false],
      ['maximize', false], ['foreach', null], ['capturable', false], ['params', [0, 1]],
    ])]],
  ]);
  cases.set('optimizer', optimizer);

  cases.set('checkpoint', {
    model: sd, optimizer, epoch: 7, best: 0.91,
    args: { lr: 0.001, arch: 'tiny', layers: [8, 3], pair: tuple([1, 'two']), flag: true, none: null },
  });
  cases.set('parameter', new Parameter(torch.randn(3, 2)));
  cases.set('frozen_parameter', new Parameter(torch.randn(2), false));
  cases.set('requires_grad', torch.randn(4).requires_grad_());
  cases.set('permuted', torch.randn(2, 3, 4, 5).permute(0, 2, 3, 1));
  cases.set('big_tensor', torch.randn(512, 512));
  cases.set('nested', { a: [1, tuple([2, [3, { b: tuple([null, true, 'x']) }]])], c: {}, d: [], e: tuple([]) });
  cases.set('many_keys', Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i])));
  cases.set('long_list', Array.from({ length: 2500 }, (_, i) => i));
  cases.set('numbers', [0, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, -(2n ** 63n), 2n ** 64n, 2n ** 100n, 1e300, -1.5e-7, 0.5, -0, NaN, Infinity, -Infinity]);
  cases.set('int_keys', new Map<unknown, unknown>([[0, 'a'], [1, 'b'], [-5, 'c'], [1e12, 'd']]));
  cases.set('plain_map', markPlainDict(new OrderedDict([['x', 1]])));
  cases.set('unicode', 'héllo wörld ✓ 日本');
  cases.set('size', markSize([3, 4]));
  cases.set('device', new device('cuda', 0));
  cases.set('cpu_device', new device('cpu'));
  cases.set('bytes', Buffer.from([0, 1, 255, 97]));
  cases.set('set', new Set([1, 2, 3]));
  cases.set('none', null);
  return cases;
}

/** Cases PyTorch 1.13's own weights_only=True must read: nothing but tensors, ints, strings, containers. */
const WEIGHTS_ONLY_113 = new Set([
  'dtypes', 'views', 'state_dict', 'parameter', 'frozen_parameter', 'requires_grad', 'permuted', 'big_tensor',
  'nested', 'many_keys', 'long_list', 'int_keys', 'plain_map', 'unicode', 'size', 'none',
  ...['float32', 'float64', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool', 'complex64', 'complex128', 'scalar', 'empty'].map((d) => `tensor_${d}`),
]);
/** What 1.13's weights_only lacks and 2.x allows (the file is still read by the 2.x allowlist). */
const KNOWN_113_GAPS = /Unsupported operand 71|Unsupported class (torch\.device|builtins\.set|_codecs\.encode)/;

const PY_READ = `
import zipfile, struct, os
out = {}
for name in sorted(os.listdir(DIR)):
    if not name.startswith('ts_'):
        continue
    path = os.path.join(DIR, name)
    value, wo = strict_load(path)
    z = zipfile.ZipFile(path)
    bad_crc = z.testzip()
    misaligned = []
    raw = open(path, 'rb').read()
    for info in z.infolist():
        n, m = struct.unpack('<HH', raw[info.header_offset + 26: info.header_offset + 30])
        start = info.header_offset + 30 + n + m
        if '/data/' in info.filename and start % 64 != 0:
            misaligned.append(info.filename)
    out[name] = {'value': encode(value), 'weights_only': wo, 'bad_crc': bad_crc, 'misaligned': misaligned,
                 'records': [i.filename for i in z.infolist()], 'stored': all(i.compress_type == 0 for i in z.infolist())}
`;

describe.skipIf(!python)('torch-node writes, Python reads', () => {
  let cases: Map<string, unknown>;
  let got: Record<string, { value: unknown; weights_only: string; bad_crc: string | null; misaligned: string[]; records: string[]; stored: boolean }>;
  beforeAll(() => {
    cases = tsCases();
    for (const [name, obj] of cases) save(obj, join(dir, `ts_${name}.pt`));
    // to a stream, and with zip64 records
    const chunks: Uint8Array[] = [];
    save(cases.get('checkpoint'), { write: (c: Uint8Array) => chunks.push(c) });
    writeFileSync(join(dir, 'ts_checkpoint.stream.pt'), Buffer.concat(chunks));
    save(cases.get('views'), join(dir, 'ts_views.zip64.pt'), { _force_zip64: true });
    got = runPython(PY_PRELUDE + PY_READ.replace(/\bDIR\b/g, JSON.stringify(dir)));
  }, 120_000);

  it('Python reads every case with the weights_only allowlist, values equal', () => {
    let checked = 0;
    for (const [name, obj] of cases) {
      const r = got[`ts_${name}.pt`]!;
      expect(r, name).toBeDefined();
      expect(r.value, name).toEqual(encode(obj));
      checked++;
    }
    expect(got['ts_checkpoint.stream.pt']!.value).toEqual(encode(cases.get('checkpoint')));
    expect(got['ts_views.zip64.pt']!.value).toEqual(encode(cases.get('views')));
    console.log(`torch-node -> Python: ${checked + 2} files equal`);
  });

  it("PyTorch 1.13's own weights_only=True reads them, except for its known gaps", () => {
    for (const [file, r] of Object.entries(got)) {
      const name = file.replace(/^ts_/, '').replace(/\.(stream|zip64)?\.?pt$/, '');
      if (WEIGHTS_ONLY_113.has(name)) expect(r.weights_only, file).toBe('ok');
      else if (r.weights_only !== 'ok') expect(r.weights_only, file).toMatch(KNOWN_113_GAPS);
    }
  });

  it('writes stored, CRC-correct, 64-byte-aligned records, each storage once', () => {
    for (const [file, r] of Object.entries(got)) {
      expect(r.bad_crc, file).toBeNull();
      expect(r.misaligned, file).toEqual([]);
      expect(r.stored, file).toBe(true);
      expect(r.records[0], file).toBe('archive/data.pkl');
      expect(r.records, file).toContain('archive/version');
    }
    // views: base, shared and other: 3 storages; the tied state_dict: 5 tensors on 5 storages (2.weight = 3.weight)
    expect(got['ts_views.pt']!.records.filter((n) => n.includes('/data/'))).toHaveLength(3);
    expect(got['ts_state_dict.pt']!.records.filter((n) => n.includes('/data/'))).toHaveLength(5);
  });

  it('round-trips torch-node -> torch-node too', () => {
    for (const [name, obj] of cases) {
      const back = load(join(dir, `ts_${name}.pt`));
      expect(encode(back), name).toEqual(encode(obj));
      disposeAll(back);
    }
  });
});

// ---- Python -> torch-node -> Python -------------------------------------------------------------

describe.skipIf(!python)('Python -> torch-node -> Python', () => {
  it('what comes back equals what Python saved', () => {
    const names = ['checkpoint', 'state_dict', 'views', 'adam_state', 'sgd_state', 'tied', 'int_keys', 'nested', 'dtypes', 'size', 'parameter'];
    mkdirSync(join(dir, 'again'));
    const py = runPython<Record<string, unknown>>(PY_PRELUDE + PY_CASES.replace(/\{DIR\}/g, join(dir, 'again')));
    for (const n of names) {
      const v = load(join(dir, 'again', `py_${n}.pt`));
      save(v, join(dir, 'again', `back_${n}.pt`));
      disposeAll(v);
    }
    const back = runPython<Record<string, unknown>>(
      PY_PRELUDE + `out = {}\nfor n in ${JSON.stringify(names)}:\n    out[n] = encode(strict_load(${JSON.stringify(join(dir, 'again'))} + '/back_' + n + '.pt')[0])\n`,
    );
    for (const n of names) expect(normalizeDtypes(back[n]), n).toEqual(normalizeDtypes(py[n]));
    expect(readdirSync(join(dir, 'again')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
