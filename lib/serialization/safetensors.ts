// safetensors: an 8-byte little-endian header length, a JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {str: str}}),
// then the tensors' bytes. Nothing in it is executable, and every tensor is
// read once, straight from the file into its storage.
import { OrderedDict } from '../collections.js';
import type { DeviceLike } from '../device.js';
import type { dtype } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { snative, withDeferredMemoryReports } from './native.js';
import { atomicWrite } from './save.js';
import { type ByteSource, CheckpointError, ITEMSIZE, openSource } from './source.js';
import { writeSync } from 'node:fs';

const TO_DTYPE: Record<string, dtype> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool', C64: 'complex64',
};
const FROM_DTYPE: Partial<Record<dtype, string>> = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k]));

/** A tensor's entry in a safetensors header. */
export interface TensorInfo {
  dtype: dtype;
  shape: number[];
  /** Byte range in the data section (after the header). */
  data_offsets: [number, number];
}

export interface Header {
  tensors: OrderedDict<string, TensorInfo>;
  metadata: Record<string, string> | null;
  /** Where the data section starts in the file. */
  dataStart: number;
}

const MAX_HEADER = 100 * 1024 * 1024; // the reference implementation's limit

function readHeader(src: ByteSource): Header {
  const label = src.label;
  if (src.size < 8) throw new CheckpointError(`${label}: not a safetensors file: shorter than its 8-byte header length`);
  const n = src.read(0, 8, 'the safetensors header length').readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, src.size - 8))) {
    throw new CheckpointError(`${label}: not a safetensors file, or truncated: its header claims ${n} bytes but the file has ${src.size}`);
  }
  const headerLen = Number(n);
  const text = src.read(8, headerLen, 'the safetensors header').toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${label}: not a safetensors file: its header is not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(`${label}: safetensors header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataSize = src.size - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: [string, TensorInfo][] = [];
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v !== null && (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string'))) {
        throw new CheckpointError(`${label}: safetensors __metadata__ must map strings to strings`);
      }
      metadata = v as Record<string, string> | null;
      continue;
    }
    const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw new CheckpointError(`${label}: safetensors entry ${name} is not an object`);
    const dt = typeof info.dtype === 'string' ? TO_DTYPE[info.dtype] : undefined;
    if (!dt) throw new CheckpointError(`${label}: tensor ${name} has dtype ${JSON.stringify(info.dtype)}, which torch-node does not support`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new CheckpointError(`${label}: tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    }
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) {
      throw new CheckpointError(`${label}: tensor ${name} has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== numel * ITEMSIZE[dt]) {
      throw new CheckpointError(`${label}: tensor ${name} of shape [${shape}] and dtype ${dt} needs ${numel * ITEMSIZE[dt]} bytes but its data_offsets cover ${off[1] - off[0]}`);
    }
    if (off[1] > dataSize) throw new CheckpointError(`${label}: the file is truncated: tensor ${name} ends at byte ${dataStart + off[1]} of ${src.size}`);
    entries.push([name, { dtype: dt, shape: shape as number[], data_offsets: [off[0], off[1]] }]);
  }
  // File order (the order of the data), which is also the order the writer used.
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  return { tensors: new OrderedDict(entries), metadata, dataStart };
}

function readTensor(src: ByteSource, h: Header, name: string, info: TensorInfo, device?: DeviceLike): Tensor {
  const [b, e] = info.data_offsets;
  const flat = src.readTensor(h.dataStart + b, e - b, info.dtype, `tensor ${name}`);
  const t = flat.reshape(info.shape);
  flat.dispose();
  if (device !== undefined && String(device) !== 'cpu') {
    const moved = t.to(String(device));
    t.dispose();
    return moved;
  }
  return t;
}

export interface SafetensorsLoadOptions {
  device?: DeviceLike;
}

/** safetensors.torch.load_file(path, device): every tensor, in file order. */
export function load_file(path: string, options: SafetensorsLoadOptions = {}): OrderedDict<string, Tensor> {
  return loadFrom(openSource(path), options);
}

/** safetensors.torch.load(bytes): every tensor of an in-memory safetensors file. */
export function load(data: Uint8Array, options: SafetensorsLoadOptions = {}): OrderedDict<string, Tensor> {
  return loadFrom(openSource(data), options);
}

function loadFrom(src: ByteSource, options: SafetensorsLoadOptions): OrderedDict<string, Tensor> {
  const out = new OrderedDict<string, Tensor>();
  try {
    const h = readHeader(src);
    withDeferredMemoryReports(() => {
      for (const [name, info] of h.tensors) out.set(name, readTensor(src, h, name, info, options.device));
    });
    return out;
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  } finally {
    src.close();
  }
}

/** The __metadata__ of a safetensors file (null when it has none). */
export function load_metadata(f: string | Uint8Array): Record<string, string> | null {
  const src = openSource(f);
  try {
    return readHeader(src).metadata;
  } finally {
    src.close();
  }
}

/** safe_open(path): the header now, tensors one at a time on demand. Close it (or use `using`). */
export class safe_open {
  private readonly src: ByteSource;
  private readonly header: Header;

  constructor(f: string | Uint8Array, private readonly options: SafetensorsLoadOptions = {}) {
    this.src = openSource(f);
    try {
      this.header = readHeader(this.src);
    } catch (e) {
      this.src.close();
      throw e;
    }
  }
  keys(): string[] {
    return [...this.header.tensors.keys()];
  }
  metadata(): Record<string, string> | null {
    return this.header.metadata;
  }
  info(name: string): TensorInfo | undefined {
    return this.header.tensors.get(name);
  }
  get_tensor(name: string): Tensor {
    const info = this.header.tensors.get(name);
    if (!info) throw new Error(`safe_open: no tensor named '${name}'`);
    return readTensor(this.src, this.header, name, info, this.options.device);
  }
  close(): void {
    this.src.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

// ---- writing --------------------------------------------------------------------------

type TensorDict = Map<string, Tensor> | Record<string, Tensor>;

interface Planned {
  header: Buffer;
  tensors: { t: Tensor; nbytes: number }[];
}

function plan(tensors: TensorDict, metadata?: Record<string, string> | null): Planned {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const json: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensors: metadata values must be strings (${k} is ${typeof v})`);
    }
    json.__metadata__ = metadata;
  }
  const out: { t: Tensor; nbytes: number }[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`safetensors: ${name} is not a Tensor`);
    if (name === '__metadata__') throw new TypeError('safetensors: no tensor may be called __metadata__');
    const code = FROM_DTYPE[t.dtype];
    if (!code) throw new TypeError(`safetensors: dtype ${t.dtype} of ${name} has no safetensors code`);
    // The bytes written are a whole storage: use t itself when it is exactly its storage, else a compact copy.
    let data = t.detach();
    const [, storageBytes, offsetElems, itemsize] = snative.storageInfo(data);
    const nbytes = t.numel() * itemsize;
    if (!data.is_contiguous() || offsetElems !== 0 || storageBytes !== nbytes) {
      // contiguous() of a non-contiguous tensor, or clone() of a contiguous slice: a fresh storage of exactly its elements.
      const compact = data.is_contiguous() ? data.clone() : data.contiguous();
      data.dispose();
      data = compact;
    }
    json[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + nbytes] };
    out.push({ t: data, nbytes });
    offset += nbytes;
  }
  let text = JSON.stringify(json);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const len = Buffer.byteLength(text, 'utf8');
  text += ' '.repeat((8 - ((8 + len) % 8)) % 8);
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  return { header, tensors: out };
}

/** safetensors.torch.save_file(tensors, path, metadata): written atomically. */
export function save_file(tensors: TensorDict, path: string, metadata?: Record<string, string> | null): void {
  const p = plan(tensors, metadata);
  try {
    atomicWrite(path, (fd) => {
      let pos = 0;
      for (let done = 0; done < p.header.length; ) done += writeSync(fd, p.header, done, p.header.length - done, done);
      pos = p.header.length;
      for (const { t, nbytes } of p.tensors) {
        snative.writeStorage(fd, t, pos);
        pos += nbytes;
      }
    });
  } finally {
    for (const { t } of p.tensors) t.dispose();
  }
}

/** safetensors.torch.save(tensors, metadata): the file's bytes. */
export function save(tensors: TensorDict, metadata?: Record<string, string> | null): Buffer {
  const p = plan(tensors, metadata);
  try {
    const parts: Buffer[] = [p.header];
    for (const { t } of p.tensors) parts.push(Buffer.from(snative.storageBytes(t)));
    return Buffer.concat(parts);
  } finally {
    for (const { t } of p.tensors) t.dispose();
  }
}
