// Mutation fuzzing of checkpoint readers: flipped bits, overwritten and
// duplicated ranges, truncations, aimed more often at the pickle and the zip
// directory than at tensor bytes. Shared by test/serialization.fuzz.test.ts
// (a few thousand cases) and scripts/fuzz/serialization.ts (as many as asked).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader } from '../../lib/serialization/zip.js';
import { BufferSource } from '../../lib/serialization/source.js';
import { load } from '../../lib/serialization/load.js';
import * as safetensors from '../../lib/serialization/safetensors.js';
import { disposeAll } from './serialization.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seed {
  name: string;
  bytes: Buffer;
  kind: 'torch' | 'safetensors';
  /** Ranges worth aiming at: the pickle, the zip directory, headers. */
  hot: [number, number][];
}

export function loadSeeds(dir: string, names: string[]): Seed[] {
  return names.map((name) => {
    const bytes = readFileSync(join(dir, name));
    const hot: [number, number][] = [];
    if (name.endsWith('.safetensors')) {
      hot.push([0, Math.min(bytes.length, 8 + Number(bytes.readBigUInt64LE(0)))]);
      return { name, bytes, kind: 'safetensors' as const, hot };
    }
    if (bytes.readUInt32LE(0) === 0x04034b50) {
      const zip = new ZipReader(new BufferSource(bytes));
      for (const n of zip.names) {
        const e = zip.get(n)!;
        if (n.endsWith('data.pkl') || n.endsWith('byteorder')) {
          const s = zip.dataOffset(e);
          hot.push([s, s + e.compressedSize]);
        }
        hot.push([e.localHeaderOffset, e.localHeaderOffset + 30 + n.length]);
      }
      hot.push([Math.max(0, bytes.length - 22 - 46 * zip.names.length - 200), bytes.length]);
    } else {
      hot.push([0, Math.min(bytes.length, 4096)]);
    }
    return { name, bytes, kind: 'torch' as const, hot };
  });
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x2e, 0x28, 0x71, 0x68, 0x52, 0x63, 0x51, 0x8a, 0x58];

export function mutate(seed: Seed, r: () => number): Buffer {
  const b = Buffer.from(seed.bytes);
  const pick = (n: number): number => Math.floor(r() * n);
  const where = (): number => {
    if (r() < 0.7 && seed.hot.length) {
      const [s, e] = seed.hot[pick(seed.hot.length)]!;
      return Math.min(b.length - 1, s + pick(Math.max(1, e - s)));
    }
    return pick(b.length);
  };
  switch (pick(7)) {
    case 0: { // flip bits
      const n = 1 + pick(8);
      for (let i = 0; i < n; i++) b[where()] ^= 1 << pick(8);
      return b;
    }
    case 1: { // interesting bytes
      const n = 1 + pick(4);
      for (let i = 0; i < n; i++) b[where()] = INTERESTING[pick(INTERESTING.length)]!;
      return b;
    }
    case 2: // truncate
      return b.subarray(0, pick(b.length));
    case 3: { // delete a range
      const s = where();
      const len = 1 + pick(64);
      return Buffer.concat([b.subarray(0, s), b.subarray(Math.min(b.length, s + len))]);
    }
    case 4: { // duplicate a range
      const s = where();
      const len = 1 + pick(64);
      return Buffer.concat([b.subarray(0, s), b.subarray(s, s + len), b.subarray(s)]);
    }
    case 5: { // copy a range over another
      const s = where();
      const d = where();
      const len = 1 + pick(32);
      b.copy(b, d, s, Math.min(b.length, s + len));
      return b;
    }
    default: { // a 32-bit field set to a boundary value
      const at = Math.min(b.length - 4, where());
      if (at >= 0) b.writeUInt32LE([0, 0xffffffff, 0x7fffffff, 0x80000000, 1, b.length][pick(6)]! >>> 0, at);
      return b;
    }
  }
}

export interface FuzzStats {
  cases: number;
  loaded: number;
  errors: number;
  /** Throws that were not Error objects, or errors without a message: must stay 0. */
  bad: { seed: string; iteration: number; what: string }[];
  messages: Map<string, number>;
}

/** Runs `iterations` mutated loads (every fileEvery-th one through a file, to cover pread). */
export function fuzz(seeds: Seed[], iterations: number, seedValue: number, tmpFile: string, fileEvery = 25): FuzzStats {
  const r = rng(seedValue);
  const stats: FuzzStats = { cases: 0, loaded: 0, errors: 0, bad: [], messages: new Map() };
  for (let i = 0; i < iterations; i++) {
    const seed = seeds[i % seeds.length]!;
    const data = mutate(seed, r);
    let input: string | Buffer = data;
    if (i % fileEvery === 0) {
      writeFileSync(tmpFile, data);
      input = tmpFile;
    }
    stats.cases++;
    try {
      const v: unknown = seed.kind === 'safetensors'
        ? (typeof input === 'string' ? safetensors.load_file(input) : safetensors.load(input))
        // every other file case loads with mmap: true (storages point into the mapped file)
        : load(input, typeof input === 'string' && (i / fileEvery) % 2 === 1 ? { mmap: true } : {});
      stats.loaded++;
      disposeAll(v);
    } catch (e) {
      stats.errors++;
      if (!(e instanceof Error) || !e.message) {
        stats.bad.push({ seed: seed.name, iteration: i, what: String(e) });
        continue;
      }
      const key = `${e.constructor.name}: ${e.message.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 90)}`;
      stats.messages.set(key, (stats.messages.get(key) ?? 0) + 1);
    }
  }
  return stats;
}

export const FUZZ_SEEDS = [
  'checkpoint.pt', 'legacy_checkpoint.pt', 'views.pt', 'legacy_views.pt', 'deflated.pt', 'zip64.pt', 'big_endian.pt',
  'state_dict.pt', 'model.safetensors', 'pytorch2_protocol4.pt',
];
