// Longer fuzzing of torch.load / safetensors.load than the test suite runs:
//   npx tsx scripts/fuzz/serialization.ts [--iterations 200000] [--seed 1]
// Every mutated or truncated checkpoint must end in a JS Error (never a crash,
// a hang, or a non-Error throw). Prints the outcome counts and the most common errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz, FUZZ_SEEDS, loadSeeds } from '../../test/helpers/fuzz.js';
import { FIXTURES } from '../../test/helpers/serialization.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const iterations = arg('iterations', 200_000);
const seed = arg('seed', Date.now() % 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'torch-node-fuzz-'));
const seeds = loadSeeds(FIXTURES, FUZZ_SEEDS);
const batch = 10_000;
let total = { cases: 0, loaded: 0, errors: 0, bad: 0 };
const messages = new Map<string, number>();
const t0 = performance.now();
try {
  for (let done = 0; done < iterations; done += batch) {
    const n = Math.min(batch, iterations - done);
    const s = fuzz(seeds, n, seed + done, join(dir, 'case.pt'));
    total = { cases: total.cases + s.cases, loaded: total.loaded + s.loaded, errors: total.errors + s.errors, bad: total.bad + s.bad.length };
    for (const b of s.bad) console.error('BAD', b);
    for (const [k, v] of s.messages) messages.set(k, (messages.get(k) ?? 0) + v);
    // let finalizers run between batches
    await new Promise((r) => setImmediate(r));
    process.stdout.write(`\r${total.cases} cases, ${total.errors} errors, ${total.bad} bad`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const s = (performance.now() - t0) / 1000;
console.log(`\nseed ${seed}: ${total.cases} cases in ${s.toFixed(1)} s: ${total.loaded} loaded, ${total.errors} JS errors, ${total.bad} bad`);
console.log('most common errors:');
for (const [k, v] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${String(v).padStart(7)}  ${k}`);
process.exit(total.bad === 0 ? 0 : 1);
