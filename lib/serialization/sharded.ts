// Sharded checkpoints, as Hugging Face writes them: shards of a state_dict
// (safetensors or torch.save files) plus an index,
// {"metadata": {"total_size": N}, "weight_map": {tensor name: shard file}}
// (model.safetensors.index.json, pytorch_model.bin.index.json).
import { mkdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { OrderedDict } from '../collections.js';
import { Tensor } from '../tensor.js';
import { load, type MapLocation } from './load.js';
import * as safetensors from './safetensors.js';
import { atomicWrite, save } from './save.js';
import { CheckpointError, ITEMSIZE } from './source.js';

export interface ShardIndex {
  metadata?: Record<string, unknown>;
  weight_map: Record<string, string>;
}

export interface LoadShardedOptions {
  /** Where tensors go (torch.load's map_location; for safetensors shards a device). */
  map_location?: MapLocation;
}

function readIndex(path: string): ShardIndex {
  const size = statSync(path).size;
  if (size > 256 * 1024 * 1024) throw new CheckpointError(`${path}: too large for a shard index (${size} bytes)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not a shard index: ${(e as Error).message}`);
  }
  const wm = (raw as ShardIndex | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm) || Object.values(wm).some((v) => typeof v !== 'string')) {
    throw new CheckpointError(`${path}: not a shard index: it has no "weight_map" of tensor names to shard files`);
  }
  return raw as ShardIndex;
}

function shardPath(dir: string, file: string, index: string): string {
  const n = normalize(file);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`)) {
    throw new CheckpointError(`${index}: shard file '${file}' must be a path inside the index's folder`);
  }
  return join(dir, n);
}

/**
 * Loads a sharded checkpoint through its index file: every tensor the shards hold, shard
 * by shard (in file-name order, which is shard order for Hugging Face's names) and in
 * each shard's own order, so a state_dict saved in shards comes back in its original
 * order. Each tensor the weight_map names must be in its shard.
 */
export function load_sharded(indexPath: string, options: LoadShardedOptions = {}): OrderedDict<string, Tensor> {
  const index = readIndex(indexPath);
  const dir = dirname(indexPath);
  const shards: string[] = [];
  for (const file of Object.values(index.weight_map)) if (!shards.includes(file)) shards.push(file);
  shards.sort();
  const found = new Map<string, Tensor>();
  const out = new OrderedDict<string, Tensor>();
  try {
    for (const file of shards) {
      const p = shardPath(dir, file, indexPath);
      let sd: Map<unknown, unknown>;
      if (file.endsWith('.safetensors')) {
        const ml = options.map_location;
        const device = typeof ml === 'string' || (ml && typeof ml === 'object' && 'type' in ml && 'index' in ml) ? String(ml) : undefined;
        sd = safetensors.load_file(p, { device });
      } else {
        const v: unknown = load(p, { map_location: options.map_location });
        if (!(v instanceof Map)) throw new CheckpointError(`${p}: a shard must hold a state_dict, not a ${typeof v}`);
        sd = v;
      }
      for (const [k, t] of sd) {
        if (typeof k === 'string' && t instanceof Tensor) found.set(k, t);
      }
    }
    for (const [name, file] of Object.entries(index.weight_map)) {
      if (!found.has(name)) throw new CheckpointError(`${indexPath}: tensor '${name}' is missing from shard ${file}`);
    }
    for (const [name, t] of found) out.set(name, t);
    return out;
  } catch (e) {
    for (const t of found.values()) t.dispose();
    throw e;
  }
}

export interface SaveShardedOptions {
  /** Largest shard, in bytes or as '5GB' / '500MB' / '2GiB' (default '5GB'). */
  max_shard_size?: number | string;
  /** safetensors shards (default) or torch.save shards. */
  safe_serialization?: boolean;
  /** safetensors metadata for each shard (default {format: 'pt'}). */
  metadata?: Record<string, string>;
}

export function parseSize(s: number | string): number {
  if (typeof s === 'number') return s;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/i.exec(s);
  if (!m) throw new TypeError(`unknown size '${s}' (expected e.g. '5GB', '500MB', '2GiB' or a number of bytes)`);
  const unit = (m[2] ?? 'B').toUpperCase();
  const mult: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };
  return Math.floor(Number(m[1]) * mult[unit]!);
}

/**
 * Saves a state_dict as shards of at most max_shard_size plus an index, with the file
 * names Hugging Face uses (model-00001-of-00002.safetensors, model.safetensors.index.json;
 * pytorch_model-00001-of-00002.bin, pytorch_model.bin.index.json). One shard is written
 * as model.safetensors / pytorch_model.bin without an index. The folder is created if
 * needed. Returns the files written.
 */
export function save_sharded(stateDict: Map<string, Tensor> | Record<string, Tensor>, dir: string, options: SaveShardedOptions = {}): { files: string[]; index: string | null } {
  const max = parseSize(options.max_shard_size ?? '5GB');
  const safe = options.safe_serialization ?? true;
  const entries = stateDict instanceof Map ? [...stateDict.entries()] : Object.entries(stateDict);
  const shards: [string, Tensor][][] = [];
  let current: [string, Tensor][] = [];
  let currentSize = 0;
  let total = 0;
  for (const [k, t] of entries) {
    const nbytes = t.numel() * ITEMSIZE[t.dtype];
    if (current.length > 0 && currentSize + nbytes > max) {
      shards.push(current);
      current = [];
      currentSize = 0;
    }
    current.push([k, t]);
    currentSize += nbytes;
    total += nbytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  const [stem, ext] = safe ? ['model', 'safetensors'] : ['pytorch_model', 'bin'];
  const n = shards.length;
  const names = n === 1 ? [`${stem}.${ext}`] : shards.map((_, i) => `${stem}-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.${ext}`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = join(dir, names[i]!);
    if (safe) safetensors.save_file(new Map(shard), file, options.metadata ?? { format: 'pt' });
    else save(new OrderedDict(shard), file);
    files.push(file);
    for (const [k] of shard) weightMap[k] = names[i]!;
  });
  if (n === 1) return { files, index: null };
  const index = join(dir, `${stem}.${ext}.index.json`);
  const sorted = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]]));
  const text = JSON.stringify({ metadata: { total_size: total }, weight_map: sorted }, null, 2) + '\n';
  atomicWriteText(index, text);
  return { files, index };
}

function atomicWriteText(path: string, text: string): void {
  const data = Buffer.from(text, 'utf8');
  atomicWrite(path, (fd) => {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, done);
  });
}
