// Zip archives as torch.save writes them: the reader works from the central
// directory (stored or deflated records, zip64), and hands stored records to
// the caller as file ranges, so tensor bytes can be read straight into tensor
// memory; the writer emits stored records 64-byte aligned (PyTorch's "FB"
// padding field), data descriptors and zip64 records when sizes need them.
import { inflateRawSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { writeSync } from 'node:fs';
import type { dtype } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { snative } from './native.js';
import { type ByteSource, CheckpointError, tensorFromBytes } from './source.js';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const U32_MAX = 0xffffffff;

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER; // caught by the range checks
  return Number(v);
}

/** Whether the bytes start like a zip archive (a local header, or an empty archive's end record). */
export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && (head.readUInt32LE(0) === SIG_LOCAL || head.readUInt32LE(0) === SIG_EOCD);
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  /** Names in central-directory order. */
  readonly names: string[] = [];

  constructor(private readonly src: ByteSource) {
    this.readCentralDirectory();
  }

  private corrupt(msg: string): CheckpointError {
    return new CheckpointError(`${this.src.label}: not a valid zip checkpoint (truncated or corrupted): ${msg}`);
  }

  private readCentralDirectory(): void {
    const size = this.src.size;
    if (size < 22) throw this.corrupt('the file is too short to hold a zip end-of-central-directory record');
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = this.src.read(size - tailLen, tailLen, 'the zip end record');
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw this.corrupt('no end-of-central-directory record (the end of the file is missing)');
    const eocdPos = size - tailLen + eocd;
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
      // zip64: a locator sits right before the end record and points at the zip64 end record.
      if (eocdPos < 20) throw this.corrupt('zip64 locator missing');
      const loc = this.src.read(eocdPos - 20, 20, 'the zip64 locator');
      if (loc.readUInt32LE(0) !== SIG_ZIP64_LOCATOR) throw this.corrupt('zip64 locator missing');
      const z64 = this.src.read(u64(loc, 8), 56, 'the zip64 end record');
      if (z64.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw this.corrupt('bad zip64 end record signature');
      count = u64(z64, 32);
      cdSize = u64(z64, 40);
      cdOffset = u64(z64, 48);
    }
    if (cdOffset + cdSize > size || count * 46 > cdSize) throw this.corrupt('the central directory lies outside the file');
    const cd = this.src.read(cdOffset, cdSize, 'the zip central directory');
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw this.corrupt(`bad central directory entry ${k}`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc32 = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length) throw this.corrupt(`central directory entry ${k} runs past the directory`);
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      // zip64 extended information: the 64-bit values of the fields that read 0xFFFFFFFF, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (e + 4 + len > extraEnd) break;
        if (id === 0x0001) {
          let q = e + 4;
          const take = (): number => {
            if (q + 8 > e + 4 + len) throw this.corrupt(`zip64 field of ${name} too short`);
            const v = u64(cd, q);
            q += 8;
            return v;
          };
          if (usize === U32_MAX) usize = take();
          if (compressedSize === U32_MAX) compressedSize = take();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = take();
        }
        e += 4 + len;
      }
      const entry: ZipEntry = { name, method, flags, crc32, compressedSize, size: usize, localHeaderOffset };
      if (!this.entries.has(name)) this.names.push(name);
      this.entries.set(name, entry);
      p = end;
    }
  }

  get(name: string): ZipEntry | undefined {
    return this.entries.get(name);
  }

  /** Where the entry's (compressed) bytes start in the file. */
  dataOffset(entry: ZipEntry): number {
    const h = this.src.read(entry.localHeaderOffset, 30, `the local header of ${entry.name}`);
    if (h.readUInt32LE(0) !== SIG_LOCAL) throw this.corrupt(`bad local header for ${entry.name}`);
    const start = entry.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    if (start + entry.compressedSize > this.src.size) {
      throw new CheckpointError(`${this.src.label}: the file is truncated: record ${entry.name} runs past the end of the file`);
    }
    return start;
  }

  /** The entry's bytes (inflated when deflated). */
  read(entry: ZipEntry): Buffer {
    const start = this.dataOffset(entry);
    const raw = this.src.read(start, entry.compressedSize, `record ${entry.name}`);
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw this.corrupt(`stored record ${entry.name} has two different sizes`);
      return raw;
    }
    if (entry.method === 8) {
      let out: Buffer;
      try {
        out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (e) {
        throw this.corrupt(`record ${entry.name} does not inflate: ${(e as Error).message}`);
      }
      if (out.length !== entry.size) throw this.corrupt(`record ${entry.name} inflates to ${out.length} bytes, not ${entry.size}`);
      return out;
    }
    throw new CheckpointError(`${this.src.label}: record ${entry.name} uses zip compression method ${method(entry.method)}, which is not supported (stored and deflate are)`);
  }

  /** Refuses a record smaller than the storage that claims it (checked before any memory is allocated). */
  checkHolds(entry: ZipEntry, nbytes: number): void {
    if (entry.size < nbytes) {
      throw new CheckpointError(`${this.src.label}: corrupted checkpoint: record ${entry.name} holds ${entry.size} bytes but its storage needs ${nbytes}`);
    }
  }

  /** A new 1-D tensor of the entry's first nbytes, read directly into its storage when the record is stored. */
  readTensor(entry: ZipEntry, nbytes: number, dt: dtype): Tensor {
    this.checkHolds(entry, nbytes);
    if (entry.method === 0) {
      return this.src.readTensor(this.dataOffset(entry), nbytes, dt, `record ${entry.name}`);
    }
    return tensorFromBytes(this.read(entry).subarray(0, nbytes), dt, `record ${entry.name}`);
  }
}

function method(m: number): string {
  const names: Record<number, string> = { 12: '12 (bzip2)', 14: '14 (lzma)', 93: '93 (zstd)', 95: '95 (xz)' };
  return names[m] ?? String(m);
}

// ---- writing ------------------------------------------------------------------------

/** Where a zip is written: sequentially, from position 0. */
export interface ZipSink {
  write(bytes: Uint8Array): void;
  /** Writes t's whole storage, returns its CRC-32. */
  writeStorage(t: Tensor, nbytes: number): number;
}

export class FileSink implements ZipSink {
  position = 0;
  constructor(private readonly fd: number) {}
  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.position + done);
    this.position += bytes.length;
  }
  writeStorage(t: Tensor, nbytes: number): number {
    const crc = snative.writeStorage(this.fd, t, this.position);
    this.position += nbytes;
    return crc;
  }
}

/** Anything with write(chunk): a Node Writable, or a collector. Storages are copied out of tensor memory first. */
export class StreamSink implements ZipSink {
  constructor(private readonly stream: { write(chunk: Uint8Array): unknown }) {}
  write(bytes: Uint8Array): void {
    this.stream.write(Buffer.from(bytes)); // a copy: the caller reuses its buffers
  }
  writeStorage(t: Tensor): number {
    const bytes = Buffer.from(snative.storageBytes(t));
    this.stream.write(bytes);
    return crc32(bytes);
  }
}

const zlibCrc = (zlib as unknown as { crc32?: (data: Uint8Array, init?: number) => number }).crc32;
/** CRC-32 of bytes, continuing from init (the CRC of what came before them). */
export function crc32(bytes: Uint8Array, init = 0): number {
  return zlibCrc ? zlibCrc(bytes, init) : snative.crc32(bytes, init);
}

interface Written {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

export const ALIGNMENT = 64;

export class ZipWriter {
  private pos = 0;
  private readonly written: Written[] = [];

  /** forceZip64 writes zip64 records even for small archives (for tests of the zip64 path). */
  constructor(private readonly sink: ZipSink, private readonly forceZip64 = false) {}

  private header(name: Buffer, big: boolean): Buffer {
    const z64Len = big ? 20 : 0;
    const base = this.pos + 30 + name.length + z64Len + 4;
    const pad = (ALIGNMENT - (base % ALIGNMENT)) % ALIGNMENT;
    const h = Buffer.alloc(30 + name.length + z64Len + 4 + pad);
    h.writeUInt32LE(SIG_LOCAL, 0);
    h.writeUInt16LE(big ? 45 : 20, 4); // version needed
    h.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 names
    h.writeUInt16LE(0, 8); // stored
    // time, date, crc and sizes stay 0: the data descriptor and the central directory carry them.
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(z64Len + 4 + pad, 28);
    name.copy(h, 30);
    let e = 30 + name.length;
    if (big) {
      h.writeUInt16LE(0x0001, e);
      h.writeUInt16LE(16, e + 2); // sizes, 0 until the descriptor
      e += 20;
    }
    h.write('FB', e, 'latin1'); // PyTorch's alignment padding field
    h.writeUInt16LE(pad, e + 2);
    h.fill('Z', e + 4);
    return h;
  }

  private put(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.pos += bytes.length;
  }

  private finishEntry(name: Buffer, offset: number, size: number, crc: number, big: boolean): void {
    const d = Buffer.alloc(big ? 24 : 16);
    d.writeUInt32LE(SIG_DESCRIPTOR, 0);
    d.writeUInt32LE(crc >>> 0, 4);
    if (big) {
      d.writeBigUInt64LE(BigInt(size), 8);
      d.writeBigUInt64LE(BigInt(size), 16);
    } else {
      d.writeUInt32LE(size, 8);
      d.writeUInt32LE(size, 12);
    }
    this.put(d);
    this.written.push({ name, crc: crc >>> 0, size, offset, zip64: big });
  }

  private isBig(size: number): boolean {
    return this.forceZip64 || size >= U32_MAX || this.pos >= U32_MAX;
  }

  addBuffer(name: string, data: Uint8Array): void {
    const n = Buffer.from(name, 'utf8');
    const big = this.isBig(data.length);
    const offset = this.pos;
    this.put(this.header(n, big));
    this.put(data);
    this.finishEntry(n, offset, data.length, crc32(data), big);
  }

  /** A record holding t's whole storage (nbytes), written from tensor memory. */
  addStorage(name: string, t: Tensor, nbytes: number): void {
    const n = Buffer.from(name, 'utf8');
    const big = this.isBig(nbytes);
    const offset = this.pos;
    this.put(this.header(n, big));
    const crc = this.sink.writeStorage(t, nbytes);
    this.pos += nbytes;
    this.finishEntry(n, offset, nbytes, crc, big);
  }

  finish(): void {
    const cdStart = this.pos;
    for (const w of this.written) {
      const bigSize = this.forceZip64 || w.size >= U32_MAX;
      const bigOffset = this.forceZip64 || w.offset >= U32_MAX;
      const extraLen = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
      const c = Buffer.alloc(46 + w.name.length + extraLen);
      c.writeUInt32LE(SIG_CENTRAL, 0);
      c.writeUInt16LE(w.zip64 || extraLen ? 45 : 20, 4); // version made by
      c.writeUInt16LE(w.zip64 || extraLen ? 45 : 20, 6); // version needed
      c.writeUInt16LE(0x0808, 8);
      c.writeUInt16LE(0, 10);
      c.writeUInt32LE(w.crc, 16);
      c.writeUInt32LE(bigSize ? U32_MAX : w.size, 20);
      c.writeUInt32LE(bigSize ? U32_MAX : w.size, 24);
      c.writeUInt16LE(w.name.length, 28);
      c.writeUInt16LE(extraLen, 30);
      c.writeUInt32LE(bigOffset ? U32_MAX : w.offset, 42);
      w.name.copy(c, 46);
      if (extraLen) {
        let e = 46 + w.name.length;
        c.writeUInt16LE(0x0001, e);
        c.writeUInt16LE(extraLen - 4, e + 2);
        e += 4;
        if (bigSize) {
          c.writeBigUInt64LE(BigInt(w.size), e);
          c.writeBigUInt64LE(BigInt(w.size), e + 8);
          e += 16;
        }
        if (bigOffset) c.writeBigUInt64LE(BigInt(w.offset), e);
      }
      this.put(c);
    }
    const cdSize = this.pos - cdStart;
    const count = this.written.length;
    const z64 = this.forceZip64 || count >= 0xffff || cdSize >= U32_MAX || cdStart >= U32_MAX;
    if (z64) {
      const recPos = this.pos;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(SIG_ZIP64_EOCD, 0);
      r.writeBigUInt64LE(44n, 4);
      r.writeUInt16LE(45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdStart), 48);
      r.writeUInt32LE(SIG_ZIP64_LOCATOR, 56);
      r.writeBigUInt64LE(BigInt(recPos), 64);
      r.writeUInt32LE(1, 72);
      this.put(r);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(SIG_EOCD, 0);
    e.writeUInt16LE(z64 ? 0xffff : count, 8);
    e.writeUInt16LE(z64 ? 0xffff : count, 10);
    e.writeUInt32LE(z64 ? U32_MAX : cdSize, 12);
    e.writeUInt32LE(z64 ? U32_MAX : cdStart, 16);
    this.put(e);
  }
}
