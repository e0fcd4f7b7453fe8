// torch.load and torch.save of a ~500 MB state_dict, torch-node against Python, side by side:
//
//   npx tsx scripts/bench/load-500mb.ts [--quick] [--mb 500] [--runs 3] [--keep]
//
// Python writes the file once; each run is a fresh child process (ours, then
// Python's, alternating) that loads it, then saves what it loaded to a second
// file, measuring its own wall time, CPU time and peak RSS (VmHWM in
// /proc/self/status) for each. The peak is reset between the two with
// /proc/self/clear_refs, so the save's peak is its own (it includes the loaded
// state_dict, which both sides hold). The file is read once beforehand so both
// loaders read from the page cache. Python's save is also timed with an fsync
// of the file after it (ours fsyncs before its atomic rename; Python's does
// not), so the save times can be compared like for like.
//
// run-all.ts calls runCheckpoint(); run alone, this prints its own report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  argNumber, type BenchOptions, type Figure, figure, formatTable, isMain, median, notSlowerThanPython, pythonBin,
  standardOptions,
} from './common.js';

function procStatus(): { hwm: number; rss: number } {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)![1]) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/** Resets VmHWM to the current RSS (Linux >= 4.0), so the next peak is the next phase's own. */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

interface Phase {
  ms: number;
  /** user + system CPU time (all threads): steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Peak RSS during the phase (bytes). */
  hwm: number;
  rssBefore: number;
}

interface Sample {
  load: Phase;
  save: Phase;
  /** Python only: the save followed by an fsync of the file, as ours does. */
  saveFsyncMs?: number;
  tensors: number;
  checksum: number;
  savedBytes: number;
}

async function child(path: string, out: string): Promise<void> {
  const torch = await import('../../lib/torch.js');
  const timed = <T>(fn: () => T): [T, Phase] => {
    resetPeak();
    const rssBefore = procStatus().rss;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const v = fn();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    return [v, { ms, cpuMs: (cpu.user + cpu.system) / 1000, hwm: procStatus().hwm, rssBefore }];
  };
  const [sd, load] = timed(() => torch.load(path) as Map<string, InstanceType<typeof torch.Tensor>>);
  // A checksum over a few elements proves the data is there without touching it all.
  let checksum = 0;
  for (const t of sd.values()) checksum += torch.scope(() => t.flatten().narrow(0, 0, 1).item());
  const [, save] = timed(() => torch.save(sd, out));
  const sample: Sample = { load, save, tensors: sd.size, checksum, savedBytes: statSync(out).size };
  process.stdout.write(JSON.stringify(sample));
}

const PY_CHILD = `
import json, os, sys, time, torch, re, resource
def status():
    s = open('/proc/self/status').read()
    kb = lambda k: int(re.search(k + r':\\s+(\\d+) kB', s).group(1)) * 1024
    return kb('VmHWM'), kb('VmRSS')
def timed(fn):
    open('/proc/self/clear_refs', 'w').write('5')
    _, rss_before = status()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    v = fn()
    ms = (time.perf_counter() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    hwm, _ = status()
    cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
    return v, {'ms': ms, 'cpuMs': cpu, 'hwm': hwm, 'rssBefore': rss_before}
sd, load = timed(lambda: torch.load(sys.argv[1]))
checksum = sum(t.reshape(-1)[0].item() for t in sd.values())
_, save = timed(lambda: torch.save(sd, sys.argv[2]))
t0 = time.perf_counter()
fd = os.open(sys.argv[2], os.O_RDONLY); os.fsync(fd); os.close(fd)
fsync_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({'load': load, 'save': save, 'saveFsyncMs': save['ms'] + fsync_ms, 'tensors': len(sd),
                  'checksum': checksum, 'savedBytes': os.path.getsize(sys.argv[2])}))
`;

const PY_WRITE = `
import sys, torch, collections
torch.manual_seed(0)
target = int(sys.argv[2]) * 1000 * 1000
sd = collections.OrderedDict()
i = 0
total = 0
# A model-like mix: big matrices, their biases, norms, an embedding.
while total < target:
    sd[f'layers.{i}.attn.weight'] = torch.randn(1024, 1024)
    sd[f'layers.{i}.attn.bias'] = torch.randn(1024)
    sd[f'layers.{i}.mlp.weight'] = torch.randn(2048, 1024)
    sd[f'layers.{i}.mlp.bias'] = torch.randn(2048)
    sd[f'layers.{i}.norm.weight'] = torch.ones(1024)
    sd[f'layers.{i}.norm.num_batches_tracked'] = torch.tensor(7)
    total = sum(t.numel() * t.element_size() for t in sd.values())
    i += 1
torch.save(sd, sys.argv[1])
print(len(sd))
`;

function runChild(cmd: string, args: string[]): Sample {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

export interface CheckpointOptions extends BenchOptions {
  /** The state_dict's size in MB (default 500). */
  mb?: number;
  /** Fresh processes per side (default 3; --quick 1). */
  runs?: number;
  keep?: boolean;
}

export interface CheckpointResult {
  figures: Figure[];
  fileBytes: number;
  ours: Sample[];
  python: Sample[];
}

export async function runCheckpoint(o: CheckpointOptions): Promise<CheckpointResult> {
  const mb = o.mb ?? 500;
  const runs = o.runs ?? (o.quick ? 1 : 3);
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-bench-'));
  const path = join(dir, 'state_dict.pt');
  const out = join(dir, 'saved.pt');
  try {
    o.log(`checkpoint: writing a ${mb} MB state_dict with Python ...`);
    const w = spawnSync(pythonBin, ['-c', PY_WRITE, path, String(mb)], { encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`writing the state_dict with ${pythonBin} failed (is python3-torch installed?):\n${w.stderr}`);
    const fileBytes = statSync(path).size;
    readFileSync(path); // into the page cache, for both loaders alike
    const self = fileURLToPath(import.meta.url);
    const ours: Sample[] = [];
    const python: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(runChild(process.execPath, [...process.execArgv, self, '--child', path, out]));
      rmSync(out, { force: true });
      python.push(runChild(pythonBin, ['-c', PY_CHILD, path, out]));
      rmSync(out, { force: true });
      const a = ours[i]!;
      const b = python[i]!;
      o.log(`checkpoint run ${i + 1}/${runs}: load ${a.load.ms.toFixed(0)} vs ${b.load.ms.toFixed(0)} ms, save ${a.save.ms.toFixed(0)} vs ${b.save.ms.toFixed(0)} ms (Python + fsync ${b.saveFsyncMs!.toFixed(0)} ms)`);
    }
    if (ours[0]!.tensors !== python[0]!.tensors || Math.abs(ours[0]!.checksum - python[0]!.checksum) > 1e-3) {
      throw new Error(`the loads disagree: ${JSON.stringify(ours[0])} vs ${JSON.stringify(python[0])}`);
    }
    const MiB = 2 ** 20;
    const size = `${(fileBytes / MiB).toFixed(0)} MiB file, ${ours[0]!.tensors} tensors`;
    const pyFsync = median(python.map((s) => s.saveFsyncMs!));
    const figures: Figure[] = [
      figure({
        benchmark: `torch.load ${mb} MB: time`, unit: 'ms', better: 'lower', targets: [notSlowerThanPython(0.05, 'derived')],
        note: `${size}, page cache warm; median of ${runs} fresh processes each`,
      }, { ours: ours.map((s) => s.load.ms), python: python.map((s) => s.load.ms) }),
      figure({
        benchmark: `torch.load ${mb} MB: peak RSS`, unit: 'MiB', better: 'lower', targets: [notSlowerThanPython(0.05, 'derived')],
        note: 'VmHWM of the process after the load (includes ~200 MiB of runtime and libtorch)',
      }, { ours: ours.map((s) => s.load.hwm / MiB), python: python.map((s) => s.load.hwm / MiB) }),
      figure({
        benchmark: `torch.save ${mb} MB: time`, unit: 'ms', better: 'lower', targets: [notSlowerThanPython(0.05, 'derived')],
        note: `saving the loaded state_dict; ours writes a temporary file, fsyncs and renames, Python only writes (Python's save + fsync: ${pyFsync.toFixed(0)} ms)`,
      }, { ours: ours.map((s) => s.save.ms), python: python.map((s) => s.save.ms) }),
      figure({
        benchmark: `torch.save ${mb} MB: peak RSS`, unit: 'MiB', better: 'lower', targets: [notSlowerThanPython(0.05, 'derived')],
        note: 'VmHWM during the save (peak reset after the load), the loaded state_dict included',
      }, { ours: ours.map((s) => s.save.hwm / MiB), python: python.map((s) => s.save.hwm / MiB) }),
    ];
    return { figures, fileBytes, ours, python };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else o.log(`kept ${dir}`);
  }
}

async function main(): Promise<void> {
  const o = standardOptions();
  const r = await runCheckpoint({
    ...o,
    mb: argNumber('--mb', 500),
    runs: process.argv.includes('--runs') ? argNumber('--runs', 3) : undefined,
    keep: process.argv.includes('--keep'),
  });
  const MiB = 2 ** 20;
  const grow = (ss: Sample[], k: 'load' | 'save'): number => median(ss.map((s) => s[k].hwm - s[k].rssBefore));
  const cpu = (ss: Sample[], k: 'load' | 'save'): number => median(ss.map((s) => s[k].cpuMs));
  console.log(formatTable(r.figures));
  for (const k of ['load', 'save'] as const) {
    console.log(
      `${k}: CPU time ${cpu(r.ours, k).toFixed(0)} vs ${cpu(r.python, k).toFixed(0)} ms; RSS growth during the ${k} ` +
        `${(grow(r.ours, k) / MiB).toFixed(0)} vs ${(grow(r.python, k) / MiB).toFixed(0)} MiB ` +
        `(${(grow(r.ours, k) / r.fileBytes).toFixed(2)}x vs ${(grow(r.python, k) / r.fileBytes).toFixed(2)}x the file)`,
    );
  }
  for (const f of r.figures) if (f.note) console.log(`${f.benchmark}: ${f.note}`);
}

if (process.argv.includes('--child')) {
  const ci = process.argv.indexOf('--child');
  await child(process.argv[ci + 1]!, process.argv[ci + 2]!);
} else if (isMain(import.meta.url)) {
  await main();
}
