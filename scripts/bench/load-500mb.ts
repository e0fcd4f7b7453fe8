// torch.load of a ~500 MB state_dict, torch-node against Python's torch.load, side by side:
//
//   npx tsx scripts/bench/load-500mb.ts [--mb 500] [--runs 3] [--keep]
//
// Python writes the file; each load then runs in a fresh child process that measures
// its own time and peak RSS (VmHWM in /proc/self/status). The file is read once
// beforehand so both loaders read from the page cache. Printed: the time and peak
// RSS of each loader (medians over the runs) and their ratios, the peak RSS growth
// during the load against the file size, and peak RSS against the file size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.TORCH_NODE_PYTHON ?? '/usr/bin/python3';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function status(): { hwm: number; rss: number } {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)![1]) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

interface Sample {
  ms: number;
  /** user + system CPU time of the load (all threads): steadier than wall time on a busy machine. */
  cpuMs: number;
  hwm: number;
  rssBefore: number;
  tensors: number;
  checksum: number;
}

async function child(path: string): Promise<void> {
  const torch = await import('../../lib/torch.js');
  const before = status();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const sd = torch.load(path) as Map<string, InstanceType<typeof torch.Tensor>>;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const after = status();
  // A checksum over a few elements proves the data is there without touching it all.
  let checksum = 0;
  for (const t of sd.values()) checksum += t.flatten().narrow(0, 0, 1).item();
  const sample: Sample = { ms, cpuMs: (cpu.user + cpu.system) / 1000, hwm: after.hwm, rssBefore: before.rss, tensors: sd.size, checksum };
  process.stdout.write(JSON.stringify(sample));
}

const PY_CHILD = `
import json, sys, time, torch, re, resource
def status():
    s = open('/proc/self/status').read()
    kb = lambda k: int(re.search(k + r':\\s+(\\d+) kB', s).group(1)) * 1024
    return kb('VmHWM'), kb('VmRSS')
_, rss_before = status()
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
sd = torch.load(sys.argv[1])
ms = (time.perf_counter() - t0) * 1000
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu_ms = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
hwm, _ = status()
checksum = sum(t.reshape(-1)[0].item() for t in sd.values())
print(json.dumps({'ms': ms, 'cpuMs': cpu_ms, 'hwm': hwm, 'rssBefore': rss_before, 'tensors': len(sd), 'checksum': checksum}))
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function run(cmd: string, args: string[]): Sample {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

async function main(): Promise<void> {
  const mb = arg('mb', 500);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-bench-'));
  const path = join(dir, 'state_dict.pt');
  try {
    const w = spawnSync(PYTHON, ['-c', PY_WRITE, path, String(mb)], { encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`writing the state_dict with ${PYTHON} failed (is python3-torch installed?):\n${w.stderr}`);
    const size = statSync(path).size;
    readFileSync(path); // into the page cache, for both loaders alike
    const self = fileURLToPath(import.meta.url);
    const ours: Sample[] = [];
    const py: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(run(process.execPath, [...process.execArgv, self, '--child', path]));
      py.push(run(PYTHON, ['-c', PY_CHILD, path]));
    }
    if (ours[0]!.tensors !== py[0]!.tensors || Math.abs(ours[0]!.checksum - py[0]!.checksum) > 1e-3) {
      throw new Error(`the loads disagree: ${JSON.stringify(ours[0])} vs ${JSON.stringify(py[0])}`);
    }
    const MB = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const o = { cpu: median(ours.map((s) => s.cpuMs)), ms: median(ours.map((s) => s.ms)), hwm: median(ours.map((s) => s.hwm)), grow: median(ours.map((s) => s.hwm - s.rssBefore)) };
    const p = { cpu: median(py.map((s) => s.cpuMs)), ms: median(py.map((s) => s.ms)), hwm: median(py.map((s) => s.hwm)), grow: median(py.map((s) => s.hwm - s.rssBefore)) };
    console.log(`file: ${MB(size)} (${ours[0]!.tensors} tensors), ${runs} runs each, medians`);
    console.log(`                 time      CPU time    peak RSS    RSS growth during load`);
    console.log(`  torch-node  ${o.ms.toFixed(0).padStart(7)} ms ${o.cpu.toFixed(0).padStart(7)} ms  ${MB(o.hwm).padStart(10)}  ${MB(o.grow).padStart(10)} (${(o.grow / size).toFixed(2)}x file)`);
    console.log(`  Python      ${p.ms.toFixed(0).padStart(7)} ms ${p.cpu.toFixed(0).padStart(7)} ms  ${MB(p.hwm).padStart(10)}  ${MB(p.grow).padStart(10)} (${(p.grow / size).toFixed(2)}x file)`);
    const best = { o: Math.min(...ours.map((s) => s.ms)), p: Math.min(...py.map((s) => s.ms)) };
    console.log(
      `ratios (torch-node / Python): time ${(o.ms / p.ms).toFixed(2)}x (fastest runs: ${best.o.toFixed(0)} vs ${best.p.toFixed(0)} ms, ` +
        `${(best.o / best.p).toFixed(2)}x), CPU time ${(o.cpu / p.cpu).toFixed(2)}x, peak RSS ${(o.hwm / p.hwm).toFixed(2)}x`,
    );
    console.log(`peak RSS / file size: torch-node ${(o.hwm / size).toFixed(2)}x, Python ${(p.hwm / size).toFixed(2)}x (both include ~200 MiB of libtorch and interpreter before any load)`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) await child(process.argv[ci + 1]!);
else await main();
