// Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
// (torch/nn/modules/container.py). Members register under '0', '1', ... (or
// their keys), so `seq[0]` and `seq['0']` read them as own properties;
// at(-1) counts from the end; slice() returns a container as Python's [a:b].
import { scope } from '../../memory.js';
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyTypeName } from '../_utils.js';

function absIndex(idx: number, size: number): number {
  if (!Number.isInteger(idx)) throw new TypeError(`'${pyTypeName(idx)}' object cannot be interpreted as an integer`);
  if (!(-size <= idx && idx < size)) throw new RangeError(`IndexError: index ${idx} is out of range`);
  return idx < 0 ? idx + size : idx;
}

/** Python's slice.indices for [start, stop) with a step. */
function sliceIndices(size: number, start?: number | null, stop?: number | null, step?: number | null): number[] {
  const st = step ?? 1;
  if (st === 0) throw new Error('ValueError: slice step cannot be zero');
  const norm = (v: number | null | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === null || v === undefined) return dflt;
    if (v < 0) v += size;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (st > 0) {
    const a = norm(start, 0, 0, size), b = norm(stop, size, 0, size);
    for (let i = a; i < b; i += st) out.push(i);
  } else {
    const a = norm(start, size - 1, -1, size - 1), b = norm(stop, -1, -1, size - 1);
    for (let i = a; i > b; i += st) out.push(i);
  }
  return out;
}

/** Removes the members named '0'..'n-1' and re-adds `modules` under 0..len-1. */
function renumberModules(self: Module, modules: (Module | null)[]): void {
  for (const key of [...self._modules.keys()]) delete (self as unknown as Record<string, unknown>)[key];
  modules.forEach((m, i) => self.add_module(String(i), m));
}

/**
 * Runs modules in order, each on the previous one's output. Intermediate
 * outputs are freed when forward returns (a scope); a forward hook that wants
 * to keep one must clone it or torch.keep() it.
 */
export class Sequential<M extends Module = Module> extends Module {
  [index: number]: M;

  /** Sequential(a, b, c) or Sequential(OrderedDict([['name', module], ...])). M is Module unless given explicitly. */
  constructor(...args: NoInfer<M>[] | [Map<string, NoInfer<M>>]) {
    super();
    if (args.length === 1 && args[0] instanceof Map) {
      for (const [key, m] of args[0] as Map<string, M>) this.add_module(key, m);
    } else {
      (args as M[]).forEach((m, i) => this.add_module(String(i), m));
    }
  }

  get length(): number {
    return this._modules.size;
  }
  /** seq[idx] with negative indices. */
  at(idx: number): M {
    const i = absIndex(idx, this.length);
    return [...this._modules.values()][i] as M;
  }
  /** seq[start:stop:step], keeping the original keys. */
  slice(start?: number | null, stop?: number | null, step?: number | null): Sequential<M> {
    const entries = [...this._modules.entries()];
    const picked = sliceIndices(entries.length, start, stop, step).map((i) => entries[i]!);
    const Ctor = this.constructor as new (arg: Map<string, M>) => Sequential<M>;
    return new Ctor(new Map(picked as [string, M][]));
  }
  /** seq[idx] = module */
  set(idx: number, module: M): void {
    const key = [...this._modules.keys()][absIndex(idx, this.length)]!;
    (this as unknown as Record<string, unknown>)[key] = module;
  }
  /** del seq[idx] (renumbers the remaining modules 0..n-1, as Python). */
  delete(idx: number): void {
    const key = [...this._modules.keys()][absIndex(idx, this.length)]!;
    delete (this as unknown as Record<string, unknown>)[key];
    renumberModules(this, [...this._modules.values()]);
  }
  pop(idx: number): M {
    const m = this.at(idx);
    this.delete(idx);
    return m;
  }
  append(module: M): this {
    this.add_module(String(this.length), module);
    return this;
  }
  insert(index: number, module: M): this {
    if (!(module instanceof Module)) throw new Error(`AssertionError: module should be of type: <class 'torch.nn.modules.module.Module'>`);
    const n = this._modules.size;
    if (!(-n <= index && index <= n)) throw new RangeError(`IndexError: Index out of range: ${index}`);
    if (index < 0) index += n;
    const mods = [...this._modules.values()];
    mods.splice(index, 0, module);
    renumberModules(this, mods);
    return this;
  }
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  [Symbol.iterator](): IterableIterator<M> {
    return ([...this._modules.values()] as M[])[Symbol.iterator]();
  }
  override forward(input: any): any {
    return scope(() => {
      let x = input;
      for (const m of this._modules.values()) x = m!.call(x);
      return x;
    });
  }
}

/** A list of submodules, registered under '0', '1', ... (no forward of its own). */
export class ModuleList<M extends Module = Module> extends Module {
  [index: number]: M;

  constructor(modules?: Iterable<NoInfer<M>> | null) {
    super();
    if (modules) this.extend(modules);
  }
  get length(): number {
    return this._modules.size;
  }
  at(idx: number): M {
    return this._modules.get(String(absIndex(idx, this.length))) as M;
  }
  slice(start?: number | null, stop?: number | null, step?: number | null): ModuleList<M> {
    const values = [...this._modules.values()] as M[];
    const Ctor = this.constructor as new (m: M[]) => ModuleList<M>;
    return new Ctor(sliceIndices(values.length, start, stop, step).map((i) => values[i]!));
  }
  set(idx: number, module: M): void {
    (this as unknown as Record<string, unknown>)[String(absIndex(idx, this.length))] = module;
  }
  delete(idx: number): void {
    delete (this as unknown as Record<string, unknown>)[String(absIndex(idx, this.length))];
    renumberModules(this, [...this._modules.values()]);
  }
  pop(idx: number): M {
    const m = this.at(idx);
    this.delete(idx);
    return m;
  }
  append(module: M): this {
    this.add_module(String(this.length), module);
    return this;
  }
  extend(modules: Iterable<M>): this {
    if (modules === null || typeof (modules as Iterable<M>)[Symbol.iterator] !== 'function') {
      throw new TypeError('ModuleList.extend should be called with an iterable, but got ' + pyTypeName(modules));
    }
    const offset = this.length;
    let i = 0;
    for (const m of modules) this.add_module(String(offset + i++), m);
    return this;
  }
  insert(index: number, module: M): void {
    const mods = [...this._modules.values()];
    mods.splice(index, 0, module);
    renumberModules(this, mods);
  }
  [Symbol.iterator](): IterableIterator<M> {
    return ([...this._modules.values()] as M[])[Symbol.iterator]();
  }
}

/** An ordered dict of submodules; dict[key] reads them too. */
export class ModuleDict<M extends Module = Module> extends Module {
  [key: string]: any;

  constructor(modules?: Map<string, NoInfer<M>> | Record<string, NoInfer<M>> | Iterable<[string, NoInfer<M>]> | null) {
    super();
    if (modules) this.update(modules);
  }
  get length(): number {
    return this._modules.size;
  }
  get(key: string): M | undefined {
    return (this._modules.get(key) ?? undefined) as M | undefined;
  }
  set(key: string, module: M): void {
    this.add_module(key, module);
  }
  has(key: string): boolean {
    return this._modules.has(key);
  }
  delete(key: string): void {
    if (!this._modules.has(key)) throw new Error(`KeyError: '${key}'`);
    delete (this as Record<string, unknown>)[key];
  }
  clear(): void {
    for (const k of [...this._modules.keys()]) delete (this as Record<string, unknown>)[k];
  }
  pop(key: string): M {
    const m = this.get(key);
    if (m === undefined) throw new Error(`KeyError: '${key}'`);
    this.delete(key);
    return m;
  }
  keys(): string[] {
    return [...this._modules.keys()];
  }
  values(): M[] {
    return [...this._modules.values()] as M[];
  }
  items(): [string, M][] {
    return [...this._modules.entries()] as [string, M][];
  }
  update(modules: Map<string, M> | Record<string, M> | Iterable<[string, M]> | ModuleDict<M>): void {
    if (modules instanceof ModuleDict) {
      for (const [k, m] of modules.items()) this.set(k, m);
    } else if (modules instanceof Map) {
      for (const [k, m] of modules) this.set(k, m);
    } else if (typeof (modules as Iterable<[string, M]>)[Symbol.iterator] === 'function') {
      let j = 0;
      for (const pair of modules as Iterable<[string, M]>) {
        if (!Array.isArray(pair)) throw new TypeError(`ModuleDict update sequence element #${j} should be Iterable; is${pyTypeName(pair)}`);
        if (pair.length !== 2) throw new Error(`ValueError: ModuleDict update sequence element #${j} has length ${pair.length}; 2 is required`);
        this.set(pair[0], pair[1]);
        j++;
      }
    } else {
      for (const [k, m] of Object.entries(modules as Record<string, M>)) this.set(k, m);
    }
  }
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}

function describeParam(p: unknown): string {
  if (p instanceof Tensor) {
    const size = p.shape.join('x');
    const dev = p.is_cuda ? ` (GPU ${p.device.index ?? 0})` : '';
    return `${p instanceof Parameter ? 'Parameter' : 'Tensor'} containing: [torch.${p.dtype} of size ${size}${dev}]`;
  }
  return `Object of type: ${pyTypeName(p)}`;
}

/** A list of parameters, registered under '0', '1', ...; plain tensors become Parameters. */
export class ParameterList extends Module {
  [index: number]: Parameter;
  declare _size: number;

  constructor(values?: Iterable<Tensor> | null) {
    super();
    this._size = 0;
    if (values) this.extend(values);
  }
  get length(): number {
    return this._size;
  }
  at(idx: number): Parameter {
    return (this as unknown as Record<string, Parameter>)[String(absIndex(idx, this._size))]!;
  }
  set(idx: number, param: Tensor): void {
    const key = String(absIndex(idx, this._size));
    const p = param instanceof Tensor && !(param instanceof Parameter) ? new Parameter(param) : param;
    (this as unknown as Record<string, unknown>)[key] = p;
  }
  slice(start?: number | null, stop?: number | null, step?: number | null): ParameterList {
    const out = new (this.constructor as new () => ParameterList)();
    for (const i of sliceIndices(this._size, start, stop, step)) out.append(this.at(i));
    return out;
  }
  append(value: Tensor): this {
    const idx = this._size;
    this._size += 1;
    this.set(idx, value);
    return this;
  }
  extend(values: Iterable<Tensor>): this {
    if (values === null || values instanceof Tensor || typeof (values as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new TypeError('ParameterList.extend should be called with an iterable, but got ' + pyTypeName(values));
    }
    for (const v of values) this.append(v);
    return this;
  }
  [Symbol.iterator](): IterableIterator<Parameter> {
    const out: Parameter[] = [];
    for (let i = 0; i < this._size; i++) out.push(this.at(i));
    return out[Symbol.iterator]();
  }
  override extra_repr(): string {
    return [...this].map((p, k) => `  (${k}): ${describeParam(p)}`).join('\n');
  }
  override call(): never {
    throw new Error('ParameterList should not be called.');
  }
}

/** An ordered dict of parameters; plain tensors become Parameters. A plain object's keys are taken sorted, as Python does for a dict. */
export class ParameterDict extends Module {
  [key: string]: any;
  declare _keys: Map<string, null>;

  constructor(parameters?: Map<string, Tensor> | Record<string, Tensor> | Iterable<[string, Tensor]> | null) {
    super();
    this._keys = new Map();
    if (parameters) this.update(parameters);
  }
  get length(): number {
    return this._keys.size;
  }
  get(key: string, dflt: Parameter | null = null): Parameter | null {
    return this._keys.has(key) ? ((this as Record<string, Parameter>)[key] ?? null) : dflt;
  }
  set(key: string, value: Tensor | null): void {
    if (typeof key !== 'string') {
      throw new TypeError(`Index given to ParameterDict cannot be used as a key as it is not a string (type is '${pyTypeName(key)}'). Open an issue on github if you need non-string keys.`);
    }
    this._keys.set(key, null);
    const v = value instanceof Tensor && !(value instanceof Parameter) ? new Parameter(value) : value;
    (this as Record<string, unknown>)[key] = v;
  }
  has(key: string): boolean {
    return this._keys.has(key);
  }
  delete(key: string): void {
    if (!this._keys.delete(key)) throw new Error(`KeyError: '${key}'`);
    delete (this as Record<string, unknown>)[key];
  }
  pop(key: string): Parameter | null {
    const v = this.get(key);
    this.delete(key);
    return v;
  }
  clear(): void {
    for (const k of [...this._keys.keys()]) this.delete(k);
  }
  keys(): string[] {
    return [...this._keys.keys()];
  }
  values(): (Parameter | null)[] {
    return this.keys().map((k) => this.get(k));
  }
  items(): [string, Parameter | null][] {
    return this.keys().map((k) => [k, this.get(k)]);
  }
  update(parameters: Map<string, Tensor> | Record<string, Tensor> | Iterable<[string, Tensor]> | ParameterDict): void {
    if (parameters instanceof ParameterDict) {
      for (const [k, p] of parameters.items()) this.set(k, p);
    } else if (parameters instanceof Map) {
      for (const [k, p] of parameters) this.set(k, p);
    } else if (typeof (parameters as Iterable<[string, Tensor]>)[Symbol.iterator] === 'function') {
      for (const [k, p] of parameters as Iterable<[string, Tensor]>) this.set(k, p);
    } else {
      for (const [k, p] of Object.entries(parameters as Record<string, Tensor>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) this.set(k, p);
    }
  }
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  override extra_repr(): string {
    return this.items().map(([k, p]) => `  (${k}): ${describeParam(p)}`).join('\n');
  }
  override call(): never {
    throw new Error('ParameterDict should not be called.');
  }
}
