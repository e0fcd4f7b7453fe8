// A pickle virtual machine (protocols 0-5) that builds only plain data.
//
// It never imports or calls anything by itself: GLOBAL / STACK_GLOBAL, REDUCE,
// NEWOBJ, BUILD and persistent ids are all handed to the caller's hooks, which
// decide what may be built (lib/serialization/load.ts allows what PyTorch's
// weights_only=True allows). Every read is bounds-checked and the machine is a
// loop, not a recursion, so a corrupted or hostile pickle ends in an
// UnpicklingError and never in a crash or a hang.
//
// Python values become: None -> null, bool -> boolean, int -> number (bigint
// beyond 2^53), float -> number, str -> string, bytes/bytearray -> Buffer,
// list -> Array, tuple -> Array (registered as a tuple, see isTuple), dict ->
// OrderedDict (a Map: key order and key types kept), set/frozenset -> Set.
import { OrderedDict } from '../collections.js';
import { CheckpointError } from './source.js';

/** A malformed, truncated or unsupported pickle (a CheckpointError, so one catch covers every bad file). */
export class UnpicklingError extends CheckpointError {
  override name = 'UnpicklingError';
  /** The pickle ended early: more bytes might complete it. */
  truncated = false;
}

const tuples = new WeakSet<object>();
const plainDicts = new WeakSet<object>();

/** Marks an array as a Python tuple: torch.save writes it back as a tuple. Returns the array. */
export function tuple<T extends unknown[]>(items: T): T {
  tuples.add(items);
  return items;
}
/** Whether an array came from a Python tuple (or was marked with tuple()). */
export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}
/** Marks an OrderedDict as having been a plain Python dict (torch.save writes it back as a dict). */
export function markPlainDict<T extends object>(d: T): T {
  plainDicts.add(d);
  return d;
}
export function isPlainDict(v: unknown): boolean {
  return typeof v === 'object' && v !== null && plainDicts.has(v);
}

const sizes = new WeakSet<object>();
/** Marks a number[] as a torch.Size (a tuple subclass): torch.save writes it back as torch.Size. */
export function markSize<T extends number[]>(s: T): T {
  sizes.add(s);
  tuples.add(s);
  return s;
}
export function isSize(v: unknown): boolean {
  return Array.isArray(v) && sizes.has(v);
}

/** A global named by the pickle, as the hooks chose to represent it. */
export interface UnpicklerHooks {
  /** GLOBAL module.name: return what stands for it on the stack, or throw to refuse. */
  findGlobal(module: string, name: string): unknown;
  /** REDUCE: callable(*args). */
  reduce(callable: unknown, args: unknown[]): unknown;
  /** NEWOBJ / NEWOBJ_EX / INST / OBJ: cls.__new__(cls, *args). */
  newObject(cls: unknown, args: unknown[], kwargs?: unknown): unknown;
  /** BUILD: obj.__setstate__(state); returns what replaces obj on the stack. */
  build(obj: unknown, state: unknown): unknown;
  /** BINPERSID / PERSID. */
  persistentLoad(pid: unknown): unknown;
}

type Stack = unknown[];

/** Unpickles one pickle starting at `start`; returns the value and the position after STOP. */
export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, start = 0, label = 'pickle'): { value: unknown; end: number } {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = buf.length;
  let pos = start;
  let stack: Stack = [];
  const metastack: Stack[] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string, at = pos): never => {
    throw new UnpicklingError(`${label}: invalid or unsupported pickle at byte ${at}: ${msg}`);
  };
  const truncated = (msg: string): never => {
    const e = new UnpicklingError(`${label}: truncated pickle at byte ${pos}: ${msg}`);
    e.truncated = true;
    throw e;
  };
  const need = (k: number): void => {
    if (k < 0) fail(`negative length ${k}`);
    if (pos + k > n) truncated(`needs ${k} more bytes, ${n - pos} left`);
  };
  const u8 = (): number => {
    need(1);
    return buf[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = buf.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = buf.readInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = buf.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(n)) truncated(`length ${v} exceeds the data`);
    return Number(v);
  };
  const bytes = (k: number): Buffer => {
    need(k);
    const b = buf.subarray(pos, pos + k);
    pos += k;
    return b;
  };
  const line = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) truncated('a text argument has no end of line');
    const s = buf.toString('latin1', pos, nl);
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) fail('MARK expected but not found');
    stack = prev as Stack;
    return items;
  };
  const push = (v: unknown): void => {
    stack.push(v);
  };
  const memoPut = (k: number): void => {
    memo.set(k, top());
  };
  const setItems = (d: unknown, items: unknown[]): void => {
    if (!(d instanceof Map)) fail(`SETITEM on a ${typeName(d)}, not a dict`);
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (d as Map<unknown, unknown>).set(dictKey(items[i]), items[i + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]): void => {
    if (!Array.isArray(l) || tuples.has(l)) fail(`APPEND on a ${typeName(l)}, not a list`);
    for (const it of items) (l as unknown[]).push(it);
  };
  const str = (b: Buffer): string => b.toString('utf8');

  while (true) {
    if (pos >= n) truncated('no STOP opcode');
    const at = pos;
    const op = buf[pos++]!;
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`unsupported pickle protocol ${v}`, at);
        break;
      }
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos };
      }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x29: push(tuple([])); break; // EMPTY_TUPLE
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x7d: push(markPlainDict(new OrderedDict<unknown, unknown>())); break; // EMPTY_DICT
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x4a: push(i32()); break; // BININT
      case 0x8a: push(decodeLong(bytes(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const k = i32();
        if (k < 0) fail('LONG4 with a negative length', at);
        push(decodeLong(bytes(k)));
        break;
      }
      case 0x49: { // INT (text)
        const s = line();
        if (s === '01') push(true);
        else if (s === '00') push(false);
        else push(parseIntText(s, fail));
        break;
      }
      case 0x4c: push(parseIntText(line().replace(/L$/, ''), fail)); break; // LONG (text)
      case 0x46: { // FLOAT (text)
        const s = line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(s))) fail(`bad FLOAT ${JSON.stringify(s)}`, at);
        push(/^[+-]?inf$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : v);
        break;
      }
      case 0x47: { // BINFLOAT
        need(8);
        push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      }
      case 0x58: push(str(bytes(u32()))); break; // BINUNICODE
      case 0x8c: push(str(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(str(bytes(u64()))); break; // BINUNICODE8
      case 0x56: push(decodeRawUnicodeEscape(line())); break; // UNICODE (text)
      case 0x54: { // BINSTRING (Python 2 str): decoded as torch.load does (utf-8)
        const k = i32();
        if (k < 0) fail('BINSTRING with a negative length', at);
        push(py2str(bytes(k)));
        break;
      }
      case 0x55: push(py2str(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x53: push(py2str(parseQuotedString(line(), fail))); break; // STRING (text)
      case 0x42: push(Buffer.from(bytes(u32()))); break; // BINBYTES
      case 0x43: push(Buffer.from(bytes(u8()))); break; // SHORT_BINBYTES
      case 0x8e: push(Buffer.from(bytes(u64()))); break; // BINBYTES8
      case 0x96: push(Buffer.from(bytes(u64()))); break; // BYTEARRAY8
      case 0x6c: push(popMark()); break; // LIST
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x64: { // DICT
        const d = markPlainDict(new OrderedDict<unknown, unknown>());
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x85: push(tuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${typeName(s)}, not a set`, at);
        for (const it of items) (s as Set<unknown>).add(dictKey(it));
        break;
      }
      case 0x91: push(new Set(popMark().map(dictKey))); break; // FROZENSET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x67: memoGet(Number(parseIntText(line(), fail))); break; // GET
      case 0x68: memoGet(u8()); break; // BINGET
      case 0x6a: memoGet(u32()); break; // LONG_BINGET
      case 0x70: memoPut(Number(parseIntText(line(), fail))); break; // PUT
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        push(hooks.findGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        push(hooks.findGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args)) fail(`REDUCE arguments must be a tuple, got ${typeName(args)}`, at);
        push(hooks.reduce(fn, args as unknown[]));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) fail(`NEWOBJ arguments must be a tuple, got ${typeName(args)}`, at);
        push(hooks.newObject(cls, args as unknown[]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) fail(`NEWOBJ_EX arguments must be a tuple, got ${typeName(args)}`, at);
        push(hooks.newObject(cls, args as unknown[], kwargs));
        break;
      }
      case 0x69: { // INST: module and class by name, arguments since MARK
        const module = line();
        const name = line();
        const cls = hooks.findGlobal(module, name);
        push(hooks.newObject(cls, popMark()));
        break;
      }
      case 0x6f: { // OBJ: class and arguments since MARK
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class', at);
        push(hooks.newObject(items[0], items.slice(1)));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        push(hooks.build(obj, state));
        break;
      }
      case 0x51: push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: push(hooks.persistentLoad(line())); break; // PERSID
      case 0x82: case 0x83: case 0x84: // EXT1/2/4
        fail('the extension registry (EXT1/EXT2/EXT4) names arbitrary classes and is not supported', at);
        break;
      case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER
        fail('out-of-band buffers (pickle protocol 5) are not supported', at);
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }

  function memoGet(k: number): void {
    if (!memo.has(k)) fail(`memo key ${k} was never stored`);
    push(memo.get(k));
  }
}

/** Dict keys as Python would compare them: small ints and their bigint forms are one key. */
function dictKey(k: unknown): unknown {
  if (typeof k === 'bigint' && k >= BigInt(Number.MIN_SAFE_INTEGER) && k <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(k);
  return k;
}

/** A little-endian two's-complement integer (pickle's LONG1/LONG4), as a number when exact. */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return intValue(v);
}

export function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, fail: (m: string) => never): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) fail(`bad integer ${JSON.stringify(s.slice(0, 40))}`);
  return intValue(BigInt(t));
}

function py2str(b: Buffer): string {
  const s = b.toString('utf8');
  return s.includes('\ufffd') ? b.toString('latin1') : s;
}

function parseQuotedString(s: string, fail: (m: string) => never): Buffer {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('bad STRING argument (not quoted)');
  const body = s.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const e = body[++i];
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, '0': 0 };
    if (e === 'x') {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) fail('bad \\x escape in STRING');
      out.push(parseInt(h, 16));
      i += 2;
    } else if (e !== undefined && e in simple) out.push(simple[e]!);
    else fail('bad escape in STRING');
  }
  return Buffer.from(out);
}

function decodeRawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) =>
    String.fromCodePoint(parseInt((a ?? b)!, 16)),
  );
}

export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return tuples.has(v) ? 'tuple' : 'list';
  if (v instanceof Map) return 'dict';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
