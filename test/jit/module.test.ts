// ScriptModule's calling convention (every kind of value in and out, defaults,
// exported methods, attributes), loading from bytes, traced models, copies,
// and the errors for bad files and bad arguments.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { jit, nn } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason } from '../helpers/python.js';
import { expectClose, runJitPython, tempDir, type Nested } from './fixtures.js';

interface Refs {
  kinds: { x: Nested; forward: Nested; forward_k3: Nested; forward_k3_s2: Nested };
  traced: { x: Nested; out: Nested; keys: string[] };
}

describe.skipIf(!python)(`TorchScript modules: values, methods, files${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let ref: Refs;
  let kindsPath: string;
  let m: jit.ScriptModule;
  let x: Tensor;

  beforeAll(() => {
    tmp = tempDir();
    const d = JSON.stringify(tmp.dir);
    ref = runJitPython<Refs>(`out = {'kinds': jm.make_kinds(${d}), 'traced': jm.make_traced(${d})}\njm.make_cnn(${d})`);
    kindsPath = `${tmp.dir}/kinds.pt`;
    m = jit.load(kindsPath, { map_location: 'cpu' });
    x = torch.tensor(ref.kinds.x as number[][], { dtype: 'float32' });
  });
  afterAll(() => tmp?.cleanup());

  it('forward with defaulted arguments, as Python calls it', () => {
    torch.no_grad(() => {
      expectClose(m.forward(x), ref.kinds.forward, 1e-6);
      expectClose(m.forward(x, 3), ref.kinds.forward_k3, 1e-6);
      expectClose(m.forward(x, 3, 2), ref.kinds.forward_k3_s2, 1e-6); // an int where a float is declared
      expectClose(m.forward(x, undefined, 0.5), ref.kinds.forward, 1e-6); // undefined: the default
    });
  });

  it('leaves no tensors behind: arguments stay, results are the caller\'s', () => {
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 20; i++) {
      m.forward(x).dispose();
      for (const t of m.run_method('lists', [x, x], [1], [1]).slice(0, 1) as Tensor[]) t.dispose();
    }
    expect(torch.memory().liveTensors).toBe(before);
  });

  it('numbers, bools and strings in and out', () => {
    expect(m.run_method('scalars', 1, 2.5, true, 'ab')).toEqual([2, 5, false, 'AB']);
    expect(m.run_method('scalars', -7, 3, false, '')).toEqual([-6, 6, true, '']);
  });

  it('lists in, a tuple with a list out', () => {
    const [sum, n, f, strs] = m.run_method('lists', [torch.ones([2]), torch.full([2], 2)], [1, 2, 3], [0.5, 0.25]) as [Tensor, number, number, string[]];
    expect(sum.tolist()).toEqual([3, 3]);
    expect([n, f, strs]).toEqual([6, 0.75, ['a', 'b']]);
    expect(m.run_method('lists', [torch.zeros([1])], [], [])[1]).toBe(0);
  });

  it('dicts from Maps and plain objects, out as Maps', () => {
    const out = m.run_method('dicts', { a: torch.ones([3]), b: torch.ones([2, 2]) }, new Map([[7, 2.5]]));
    expect(out).toBeInstanceOf(Map);
    expect([...out]).toEqual([['a', 3], ['b', 4], ['7', 2]]);
    // a plain object's keys are strings: they become ints where the dict wants them
    expect([...m.run_method('dicts', new Map(), { 9: 1.0 })]).toEqual([['9', 1]]);
  });

  it('Optional arguments and results, None as null', () => {
    expect(m.run_method('optional', null)).toBeNull();
    expect(m.run_method('optional', x).tolist()).toEqual(x.tolist());
    expect(m.run_method('optional', x, 2).tolist()).toEqual(x.mul(2).tolist());
    expect(m.run_method('optional', x, null).tolist()).toEqual(x.tolist());
  });

  it('NamedTuple results are arrays with their fields; nested tuples go both ways', () => {
    const r = m.run_method('named', x);
    expect(Array.isArray(r)).toBe(true);
    expect(r.total.item()).toBe(5);
    expect(r.count).toBe(4);
    expect(r[1]).toBe(4);
    expect(m.run_method('unpair', [x, 3])[1]).toBe(3);
    expect(m.run_method('unpair', { total: x, count: 4 })[1]).toBe(4); // a NamedTuple from its fields
    expect(m.run_method('unpair', r)[1]).toBe(4); // what a method returned goes back in
    expect(m.run_method('move', x, 'cpu').tolist()).toEqual(x.tolist());
    expect(m.run_method('move', x, new torch.device('cpu')).tolist()).toEqual(x.tolist());
    const [[s, t]] = m.run_method('nested', [x, [10, 'key']]) as [[string, Tensor]];
    expect(s).toBe('key');
    expect(t.tolist()).toEqual([[11, 12], [13, 9]]);
  });

  it('methods that change module state: the JS buffer is the module tensor', () => {
    const fresh = jit.load(kindsPath);
    const steps = fresh.get_buffer('steps');
    expect(fresh.run_method('count')).toBe(1);
    expect(fresh.run_method('count')).toBe(2);
    expect(steps.item()).toBe(2);
    steps.fill_(10); // and the other way
    expect(fresh.run_method('count')).toBe(11);
  });

  it('exported methods as properties, their names and schemas, attributes', () => {
    const mm = m as unknown as Record<string, (...a: unknown[]) => unknown>;
    expect(typeof mm.scalars).toBe('function');
    expect(mm.scalars!(1, 1, true, 'x')).toEqual([2, 2, false, 'X']);
    expect(m.methodNames()).toEqual(expect.arrayContaining(['forward', 'scalars', 'lists', 'dicts', 'optional', 'named', 'nested', 'count', 'fail']));
    const s = m.methodSchema('forward');
    expect(s.args).toEqual([
      { name: 'x', type: 'Tensor', hasDefault: false },
      { name: 'k', type: 'int', hasDefault: true },
      { name: 'scale', type: 'float', hasDefault: true },
    ]);
    expect(s.returns).toEqual(['Tensor']);
    expect(m.getattr('name')).toBe('kinds');
    expect(m.getattr('sizes')).toEqual([1, 2, 3]);
    expect(m.getattr('lin')).toBe(m.get_submodule('lin'));
    expect(() => m.getattr('lin.weight')).toThrow(/has no attribute 'lin.weight'/);
    expect(() => m.getattr('nope')).toThrow(/has no attribute 'nope'/);
  });

  it('argument errors name the argument, its type and what came', () => {
    expect(() => m.run_method('scalars', 'x', 1, true, 's')).toThrow("scalars(): expected a value of type 'int' for argument 'a' (position 1), got str");
    expect(() => m.run_method('scalars', 1.5, 1, true, 's')).toThrow(/type 'int' for argument 'a' .* got float/);
    expect(() => m.forward(3)).toThrow("forward(): expected a value of type 'Tensor' for argument 'x' (position 1), got int");
    expect(() => m.run_method('lists', [1], [], [])).toThrow(/type 'List\[Tensor\]' for argument 'xs'/);
    expect(() => m.forward(x, 1, 1, 1)).toThrow('forward() takes 3 arguments but 4 were given');
    expect(() => m.forward()).toThrow(/missing value for argument 'x'/);
    expect(() => m.run_method('nope')).toThrow("ScriptModule 'Kinds' has no method 'nope'");
    // an exception raised by the scripted code is a JS Error, and the module stays usable
    expect(() => m.run_method('fail', torch.ones([1]))).toThrow(/positive input/);
    expect(m.run_method('fail', torch.zeros([1])).tolist()).toEqual([0]);
  });

  it('loads from a Buffer and saves to one; deepcopy is independent', () => {
    const bytes = readFileSync(kindsPath);
    const a = jit.load(bytes, 'cpu');
    const b = jit.load(a.save_to_buffer());
    torch.no_grad(() => expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist()));
    a.get_parameter('lin.weight').requires_grad_(false);
    const c = nn.deepcopy(a);
    expect(c).toBeInstanceOf(jit.ScriptModule);
    expect(c.get_parameter('lin.weight').requires_grad).toBe(false);
    torch.no_grad(() => c.get_parameter('lin.bias').add_(1));
    expect(c.get_parameter('lin.bias').tolist()).not.toEqual(a.get_parameter('lin.bias').tolist());
  });

  it('dispose() frees the tensor handles and the native module; running it afterwards is an error', () => {
    const before = torch.memory().liveTensors;
    const a = jit.load(kindsPath);
    expect(torch.memory().liveTensors).toBe(before + 3); // lin.weight, lin.bias, steps
    a.dispose();
    expect(torch.memory().liveTensors).toBe(before);
    expect(() => a.forward(x)).toThrow('this ScriptModule was disposed');
  });

  it('runs a traced model', () => {
    const t = jit.load(`${tmp.dir}/traced.pt`);
    expect([...t.state_dict().keys()]).toEqual(ref.traced.keys);
    expectClose(torch.no_grad(() => t.forward(torch.tensor(ref.traced.x as number[][], { dtype: 'float32' }))), ref.traced.out, 1e-6);
  });

  it('a submodule replaced by a TypeScript module is refused when the scripted code runs', () => {
    const r = jit.load(kindsPath) as jit.ScriptModule & { lin: nn.Module };
    r.lin = new nn.Linear(2, 2);
    expect(() => r.forward(x)).toThrow(/submodule 'lin' was replaced by a Linear/);
  });

  it('bad files give clear errors', () => {
    const dir = tmp.dir;
    expect(() => jit.load(`${dir}/cnn_state_dict.pt`)).toThrow(
      `jit.load(): '${dir}/cnn_state_dict.pt' is not a TorchScript archive (it looks like a torch.save file, such as a state_dict; load it with torch.load)`,
    );
    expect(() => jit.load(`${dir}/cnn_state_dict_legacy.pt`)).toThrow(/is not a TorchScript archive \(it looks like a legacy torch.save file; load it with torch.load\)/);
    const full = readFileSync(`${dir}/cnn.pt`);
    writeFileSync(`${dir}/truncated.pt`, full.subarray(0, Math.floor(full.length / 2)));
    expect(() => jit.load(`${dir}/truncated.pt`)).toThrow(/truncated.pt' is a truncated or damaged archive \(PytorchStreamReader failed reading zip archive/);
    expect(() => jit.load(full.subarray(0, full.length - 10))).toThrow(/^jit.load\(\): the buffer is a truncated or damaged archive/);
    writeFileSync(`${dir}/text.pt`, 'not a model');
    expect(() => jit.load(`${dir}/text.pt`)).toThrow(/is not a TorchScript archive \(it is not a zip file\)/);
    expect(() => jit.load(new Uint8Array(0))).toThrow('jit.load(): the buffer is empty');
    expect(() => jit.load(`${dir}/missing.pt`)).toThrow(`jit.load(): no such file: '${dir}/missing.pt'`);
    expect(() => jit.load(dir)).toThrow(/is a directory/);
    expect(() => jit.save(new nn.Linear(1, 1) as never, `${dir}/x.pt`)).toThrow(/expected a ScriptModule/);
  });

  it('save writes atomically and overwrites', () => {
    const p = `${tmp.dir}/kinds-copy.pt`;
    jit.save(m, p);
    jit.save(m, p);
    expect(readFileSync(p).subarray(0, 2).toString()).toBe('PK');
    expect(() => m.save(`${tmp.dir}/no/such/dir/k.pt`)).toThrow();
  });
});
