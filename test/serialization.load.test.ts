// torch.load against files written by real PyTorch (test/fixtures/serialization/,
// regenerate with /usr/bin/python3 scripts/fixtures/serialization.py). These tests
// need no Python: expected.json holds what PyTorch itself saw in each file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderedDict } from '../lib/collections.js';
import { device } from '../lib/device.js';
import { Parameter } from '../lib/nn/parameter.js';
import { CheckpointError, isTuple, load } from '../lib/serialization/index.js';
import { Tensor } from '../lib/tensor.js';
import * as torch from '../lib/torch.js';
import { disposeAll, encode, FIXTURES, normalizeDtypes } from './helpers/serialization.js';

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, unknown>;
const PWNED = '/tmp/torch-node-serialization-pwned';

const TORCH_SAVE_FILES = [
  'state_dict.pt', 'dtypes.pt', 'views.pt', 'checkpoint.pt', 'tensor.pt', 'parameter.pt',
  'legacy_checkpoint.pt', 'legacy_views.pt', 'custom_root.pt', 'archive_root.pt', 'deflated.pt', 'zip64.pt', 'big_endian.pt',
  'pytorch2_protocol2.pt', 'pytorch2_protocol4.pt', 'pytorch2_protocol5.pt',
];

describe('torch.load reads what PyTorch wrote', () => {
  for (const name of TORCH_SAVE_FILES) {
    it(`${name}: same values, dtypes, types, key order and shared storages as in Python`, () => {
      const fromPath = load(join(FIXTURES, name));
      expect(encode(fromPath)).toEqual(normalizeDtypes(expected[name]));
      const fromBuffer = load(readFileSync(join(FIXTURES, name)));
      expect(encode(fromBuffer)).toEqual(normalizeDtypes(expected[name]));
      disposeAll(fromPath);
      disposeAll(fromBuffer);
    });
  }

  it('gives a state_dict as an OrderedDict with _metadata, and plain dicts as OrderedDicts too', () => {
    const sd = load(join(FIXTURES, 'state_dict.pt'));
    expect(sd).toBeInstanceOf(OrderedDict);
    expect([...sd.keys()].slice(0, 3)).toEqual(['0.weight', '0.bias', '1.weight']);
    expect(sd._metadata.get('1')).toEqual({ version: 2 });
    const ck = load(join(FIXTURES, 'checkpoint.pt'));
    expect(ck).toBeInstanceOf(OrderedDict);
    expect(ck.get('epoch')).toBe(7);
    expect(ck.get('best')).toBe(0.91);
    // integer keys stay numbers; Python ints beyond 2^53 are bigints
    expect([...ck.get('ints').keys()]).toEqual([3, -1, 2 ** 40]);
    expect(ck.get('numbers')).toContain(2n ** 100n);
    // optimizer state: integer parameter ids, tuples as arrays
    const opt = ck.get('optimizer');
    expect([...opt.get('state').keys()]).toEqual([0, 1, 2, 3, 4, 5]);
    const betas = opt.get('param_groups')[0].get('betas');
    expect(betas).toEqual([0.9, 0.999]);
    expect(isTuple(betas)).toBe(true);
    expect(ck.get('size')).toEqual([2, 3, 4]);
    expect(ck.get('dtype')).toBe('float16');
    expect(ck.get('device')).toBeInstanceOf(device);
    expect(String(ck.get('cuda_device'))).toBe('cuda:1');
    expect(ck.get('param')).toBeInstanceOf(Parameter);
    expect(ck.get('param').requires_grad).toBe(true);
    expect(ck.get('frozen').requires_grad).toBe(false);
    expect(ck.get('grad_tensor').requires_grad).toBe(true);
    expect(ck.get('grad_tensor').is_leaf).toBe(true);
    disposeAll(sd);
    disposeAll(ck);
  });

  it('keeps views and shared storages shared: writing through one shows in the others', () => {
    const v = load(join(FIXTURES, 'views.pt'));
    const base = v.get('base') as Tensor;
    (v.get('row') as Tensor).fill_(-1);
    expect((base.select(0, 2).tolist() as number[]).every((x) => x === -1)).toBe(true);
    expect((v.get('t') as Tensor).select(1, 2).tolist()).toEqual([-1, -1, -1, -1, -1, -1]);
    (v.get('a') as Tensor).fill_(9);
    expect((v.get('b') as Tensor).tolist()).toEqual([9, 9, 9, 9]);
    disposeAll(v);
  });

  it('frees the intermediate tensors it creates', () => {
    const before = torch.memory().liveTensors;
    const ck = load(join(FIXTURES, 'checkpoint.pt'));
    let count = 0;
    const walk = (x: unknown): void => {
      if (x instanceof Tensor) count++;
      else if (x instanceof Map) for (const y of x.values()) walk(y);
      else if (Array.isArray(x)) for (const y of x) walk(y);
    };
    walk(ck);
    expect(torch.memory().liveTensors - before).toBe(count);
    disposeAll(ck);
    expect(torch.memory().liveTensors).toBe(before);
  });

  it('applies map_location as Python does', () => {
    const f = join(FIXTURES, 'tensor.pt');
    for (const ml of ['cpu', new device('cpu'), { cpu: 'cpu' }, new Map([['cpu', 'cpu']])]) {
      const t = load(f, { map_location: ml as never }) as Tensor;
      expect(String(t.device)).toBe('cpu');
      t.dispose();
    }
    const seen: string[] = [];
    const t = load(f, { map_location: (_s: Tensor, loc: string) => (seen.push(loc), null) }) as Tensor;
    expect(seen).toEqual(['cpu']);
    t.dispose();
    if (!torch.cuda.is_available?.()) {
      expect(() => load(f, { map_location: 'cuda:0' })).toThrow(/CUDA device but torch.cuda.is_available\(\) is False/);
      expect(() => load(f, { map_location: { cpu: 'cuda:0' } })).toThrow(/map_location/);
    }
    expect(() => load(f, { map_location: 'tpu' })).toThrow(/restore data location 'tpu'/);
  });

  it('reads a sharded checkpoint through either kind of index', () => {
    for (const index of ['model.safetensors.index.json', 'pytorch_model.bin.index.json']) {
      const sd = torch.serialization.load_sharded(join(FIXTURES, 'sharded', index));
      expect(encode(sd)).toEqual({ ...(expected.sharded as object), ordered: true });
      disposeAll(sd);
    }
  });
});

describe('torch.load refuses what it must not build', () => {
  const refusals: [string, RegExp][] = [
    ['malicious_os_system.pt', /refused the global 'os\.system'.*operating system/],
    ['malicious_legacy.pt', /refused the global 'os\.system'/],
    ['malicious_stack_global.pt', /refused the global 'posix\.system'/],
    ['malicious_eval.pt', /refused the global 'builtins\.eval'.*run code/],
    ['numpy.pt', /refused the global 'numpy\.core\.multiarray\._reconstruct'.*numpy/],
    ['namespace.pt', /refused the global 'argparse\.Namespace'.*never constructs/],
  ];
  for (const [name, message] of refusals) {
    it(`${name}: refused with an error naming the global, and nothing runs`, () => {
      rmSync(PWNED, { force: true });
      const before = torch.memory().liveTensors;
      let err: unknown;
      try {
        load(join(FIXTURES, name));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(/weights_only=True/);
      expect(existsSync(PWNED)).toBe(false);
      expect(torch.memory().liveTensors).toBe(before);
    });
  }

  it('points TorchScript archives, safetensors files and index files to the right loader', () => {
    expect(() => load(join(FIXTURES, 'torchscript.pt'))).toThrow(/TorchScript archive.*torch\.jit\.load/);
    expect(() => load(join(FIXTURES, 'model.safetensors'))).toThrow(/safetensors file.*load_file/);
    expect(() => load(join(FIXTURES, 'sharded', 'model.safetensors.index.json'))).toThrow(/JSON.*load_sharded/);
  });

  it('gives clear errors for empty, truncated and foreign files', () => {
    expect(() => load(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => load(Buffer.from('hello world, not a checkpoint'))).toThrow(/not a PyTorch checkpoint/);
    const zip = readFileSync(join(FIXTURES, 'checkpoint.pt'));
    expect(() => load(zip.subarray(0, zip.length - 30))).toThrow(CheckpointError);
    expect(() => load(zip.subarray(0, 2000))).toThrow(/truncated|corrupted|end-of-central-directory/);
    const legacy = readFileSync(join(FIXTURES, 'legacy_checkpoint.pt'));
    expect(() => load(legacy.subarray(0, legacy.length - 10))).toThrow(/truncated/);
    expect(() => load(legacy.subarray(0, 300))).toThrow(/truncated/);
    expect(() => load(join(FIXTURES, 'does-not-exist.pt'))).toThrow(/ENOENT/);
    expect(() => load(FIXTURES)).toThrow(/directory/);
    expect(() => load(join(FIXTURES, 'tensor.pt'), { weights_only: false })).toThrow(/never runs code/);
  });
});
