// A pickle writer (protocol 2, the protocol torch.save uses) for plain data.
// It emits only opcodes and globals that PyTorch's weights_only unpickler
// accepts; objects it cannot represent are refused with a TypeError naming
// where they sit in the saved object.
import { OrderedDict } from '../collections.js';
import { device } from '../device.js';
import { isPlainDict, isSize, isTuple } from './pickle.js';

/** Something the pickler writes as GLOBAL module\nname. */
export class PyGlobalRef {
  constructor(readonly module: string, readonly name: string) {}
}

/** A call written as REDUCE: fn(*args). */
export class PyReduce {
  constructor(readonly fn: PyGlobalRef, readonly args: unknown[]) {}
}

/** Returns what to write for objects the caller handles itself (tensors), or undefined. */
export type Reducer = (obj: object, path: string) => PyReduce | undefined;
/** Returns a persistent id for objects saved outside the pickle (storages), or undefined. */
export type PersistentId = (obj: object) => unknown[] | undefined;

class Out {
  buf = Buffer.allocUnsafe(1 << 12);
  len = 0;
  ensure(k: number): void {
    if (this.len + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + k) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, EMPTY_TUPLE: 0x29, EMPTY_LIST: 0x5d, EMPTY_DICT: 0x7d,
  NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, BININT1: 0x4b, BININT2: 0x4d, BININT: 0x4a, LONG1: 0x8a,
  BINFLOAT: 0x47, BINUNICODE: 0x58, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  APPEND: 0x61, APPENDS: 0x65, SETITEM: 0x73, SETITEMS: 0x75, GLOBAL: 0x63, REDUCE: 0x52, BUILD: 0x62,
  BINPERSID: 0x51, BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a,
} as const;

const BATCH = 1000;

export class Pickler {
  private readonly out = new Out();
  /** Objects by identity; strings and globals by value, in tables of their own. */
  private readonly memo = new Map<unknown, number>();
  private readonly strings = new Map<unknown, number>();
  private readonly globals = new Map<unknown, number>();
  private nextMemo = 0;
  private readonly active = new Set<object>();

  constructor(private readonly reducer: Reducer, private readonly persistentId: PersistentId) {}

  dump(obj: unknown): Buffer {
    this.out.byte(OP.PROTO);
    this.out.byte(2);
    this.save(obj, 'obj');
    this.out.byte(OP.STOP);
    return this.out.result();
  }

  private put(key: unknown, table: Map<unknown, number> = this.memo): void {
    const idx = this.nextMemo++;
    table.set(key, idx);
    if (idx < 256) {
      this.out.byte(OP.BINPUT);
      this.out.byte(idx);
    } else {
      this.out.byte(OP.LONG_BINPUT);
      this.out.u32(idx);
    }
  }

  private get(key: unknown, table: Map<unknown, number> = this.memo): boolean {
    const idx = table.get(key);
    if (idx === undefined) return false;
    if (idx < 256) {
      this.out.byte(OP.BINGET);
      this.out.byte(idx);
    } else {
      this.out.byte(OP.LONG_BINGET);
      this.out.u32(idx);
    }
    return true;
  }

  private save(obj: unknown, path: string): void {
    if (obj === null || obj === undefined) return this.out.byte(OP.NONE);
    switch (typeof obj) {
      case 'boolean': return this.out.byte(obj ? OP.NEWTRUE : OP.NEWFALSE);
      case 'number':
        if (Number.isSafeInteger(obj) && !Object.is(obj, -0)) return this.saveInt(BigInt(obj));
        return this.saveFloat(obj);
      case 'bigint': return this.saveInt(obj);
      case 'string': return this.saveStr(obj);
      case 'object': break;
      default:
        throw new TypeError(`torch.save: cannot save a ${typeof obj} (at ${path})`);
    }
    const o = obj as object;
    if (this.get(o)) return;
    const pid = this.persistentId(o);
    if (pid !== undefined) {
      this.save(pid, path);
      this.out.byte(OP.BINPERSID);
      return;
    }
    const red = this.reducer(o, path);
    if (red !== undefined) {
      this.saveReduce(o, red, path);
      return;
    }
    if (o instanceof PyGlobalRef) return this.saveGlobal(o);
    if (o instanceof device) {
      return this.saveReduce(o, new PyReduce(new PyGlobalRef('torch', 'device'), o.index === null ? [o.type] : [o.type, o.index]), path);
    }
    if (Array.isArray(o)) {
      if (isSize(o)) return this.saveReduce(o, new PyReduce(new PyGlobalRef('torch', 'Size'), [tupleOf([...o])]), path);
      if (isTuple(o) || TUPLE_MARK.has(o)) return this.saveTuple(o, path);
      return this.saveList(o, path);
    }
    if (o instanceof Map) return this.saveDict(o, o, o instanceof OrderedDict && !isPlainDict(o), path);
    if (o instanceof Set) {
      return this.saveReduce(o, new PyReduce(new PyGlobalRef('builtins', 'set'), [[...o]]), path);
    }
    if (o instanceof Uint8Array) {
      const b = Buffer.from(o.buffer, o.byteOffset, o.byteLength);
      return this.saveReduce(o, new PyReduce(new PyGlobalRef('_codecs', 'encode'), [b.toString('latin1'), 'latin1']), path);
    }
    if (ArrayBuffer.isView(o)) {
      throw new TypeError(`torch.save: cannot save a ${o.constructor.name} (at ${path}): make it a tensor with torch.tensor(array)`);
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return this.saveDict(o, new Map(Object.entries(o)), false, path);
    throw new TypeError(
      `torch.save: cannot save an object of class ${o.constructor?.name ?? 'unknown'} (at ${path}): only tensors, Maps/OrderedDicts, plain objects, arrays, Sets, numbers, bigints, strings, booleans, null, Buffers and torch.device are saved`,
    );
  }

  private saveInt(v: bigint): void {
    if (v >= 0n && v < 256n) {
      this.out.byte(OP.BININT1);
      this.out.byte(Number(v));
    } else if (v >= 0n && v < 65536n) {
      this.out.byte(OP.BININT2);
      this.out.ensure(2);
      this.out.buf.writeUInt16LE(Number(v), this.out.len);
      this.out.len += 2;
    } else if (v >= -(1n << 31n) && v < 1n << 31n) {
      this.out.byte(OP.BININT);
      this.out.ensure(4);
      this.out.buf.writeInt32LE(Number(v), this.out.len);
      this.out.len += 4;
    } else {
      const bytes = encodeLong(v);
      if (bytes.length > 255) throw new TypeError(`torch.save: integer ${v} is too large`);
      this.out.byte(OP.LONG1);
      this.out.byte(bytes.length);
      this.out.bytes(bytes);
    }
  }

  private saveFloat(v: number): void {
    this.out.byte(OP.BINFLOAT);
    this.out.ensure(8);
    this.out.buf.writeDoubleBE(v, this.out.len);
    this.out.len += 8;
  }

  private saveStr(s: string): void {
    if (this.get(s, this.strings)) return;
    const b = Buffer.from(s, 'utf8');
    this.out.byte(OP.BINUNICODE);
    this.out.u32(b.length);
    this.out.bytes(b);
    this.put(s, this.strings);
  }

  private saveGlobal(g: PyGlobalRef): void {
    const key = `${g.module}\n${g.name}`;
    if (this.get(key, this.globals)) return;
    this.out.byte(OP.GLOBAL);
    this.out.bytes(Buffer.from(`${key}\n`, 'utf8'));
    this.put(key, this.globals);
  }

  private saveReduce(obj: object, red: PyReduce, path: string): void {
    this.enter(obj, path);
    this.saveGlobal(red.fn);
    this.saveTuple(red.args, path, false);
    this.out.byte(OP.REDUCE);
    this.active.delete(obj);
    this.put(obj);
  }

  private saveTuple(items: readonly unknown[], path: string, memoize = true): void {
    if (memoize) this.enter(items, path);
    const n = items.length;
    if (n === 0) this.out.byte(OP.EMPTY_TUPLE);
    else if (n <= 3) {
      items.forEach((x, i) => this.save(x, `${path}[${i}]`));
      this.out.byte(n === 1 ? OP.TUPLE1 : n === 2 ? OP.TUPLE2 : OP.TUPLE3);
    } else {
      this.out.byte(OP.MARK);
      items.forEach((x, i) => this.save(x, `${path}[${i}]`));
      this.out.byte(OP.TUPLE);
    }
    if (memoize) {
      this.active.delete(items);
      if (n > 0) this.put(items);
    }
  }

  private enter(obj: object, path: string): void {
    if (this.active.has(obj)) throw new TypeError(`torch.save: a tuple or tensor contains itself (at ${path}); such cycles cannot be pickled`);
    this.active.add(obj);
  }

  private saveList(items: readonly unknown[], path: string): void {
    this.out.byte(OP.EMPTY_LIST);
    this.put(items);
    for (let i = 0; i < items.length; i += BATCH) {
      const end = Math.min(items.length, i + BATCH);
      if (end - i === 1) {
        this.save(items[i], `${path}[${i}]`);
        this.out.byte(OP.APPEND);
        continue;
      }
      this.out.byte(OP.MARK);
      for (let k = i; k < end; k++) this.save(items[k], `${path}[${k}]`);
      this.out.byte(OP.APPENDS);
    }
  }

  private saveDict(original: object, d: Map<unknown, unknown>, ordered: boolean, path: string): void {
    if (ordered) {
      this.saveGlobal(new PyGlobalRef('collections', 'OrderedDict'));
      this.out.byte(OP.EMPTY_TUPLE);
      this.out.byte(OP.REDUCE);
    } else {
      this.out.byte(OP.EMPTY_DICT);
    }
    this.put(original);
    const entries = [...d.entries()];
    for (let i = 0; i < entries.length; i += BATCH) {
      const end = Math.min(entries.length, i + BATCH);
      if (end - i === 1) {
        const [k, v] = entries[i]!;
        this.save(k, `${path} key`);
        this.save(v, `${path}[${keyLabel(k)}]`);
        this.out.byte(OP.SETITEM);
        continue;
      }
      this.out.byte(OP.MARK);
      for (let j = i; j < end; j++) {
        const [k, v] = entries[j]!;
        this.save(k, `${path} key`);
        this.save(v, `${path}[${keyLabel(k)}]`);
      }
      this.out.byte(OP.SETITEMS);
    }
    const meta = ordered ? (d as OrderedDict<unknown, unknown>)._metadata : undefined;
    if (meta !== undefined) {
      // OrderedDict.__reduce__ state: {'_metadata': OrderedDict(prefix -> {key: value})}.
      const m = new OrderedDict<string, unknown>();
      for (const [k, v] of meta) m.set(k, v instanceof Map ? v : new Map(Object.entries(v)));
      this.save(new Map([['_metadata', m]]), `${path}._metadata`);
      this.out.byte(OP.BUILD);
    }
  }
}

const TUPLE_MARK = new WeakSet<object>();
/** An args tuple for a REDUCE (written as a tuple). */
export function tupleOf(items: unknown[]): unknown[] {
  TUPLE_MARK.add(items);
  return items;
}

function keyLabel(k: unknown): string {
  return typeof k === 'string' ? JSON.stringify(k) : String(k);
}

/** Python's two's-complement little-endian encoding of an int (pickle.encode_long). */
export function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  while (true) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const last = out[out.length - 1]!;
    if ((x === 0n && (last & 0x80) === 0) || (x === -1n && (last & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}
