// Mutated and truncated checkpoints (from a Buffer, from a file, and mapped with mmap: true)
// end in JS errors only: never a crash, a hang,
// or a non-Error throw. A longer run: npx tsx scripts/fuzz/serialization.ts --iterations 200000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as torch from '../lib/torch.js';
import { fuzz, FUZZ_SEEDS, loadSeeds } from './helpers/fuzz.js';
import { FIXTURES } from './helpers/serialization.js';

it('thousands of mutated checkpoint files end in JS errors only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-fuzz-'));
  try {
    const before = torch.memory().liveTensors;
    const t0 = performance.now();
    const stats = fuzz(loadSeeds(FIXTURES, FUZZ_SEEDS), 3000, 20261129, join(dir, 'case.pt'));
    const ms = performance.now() - t0;
    console.log(`fuzz: ${stats.cases} cases in ${ms.toFixed(0)} ms: ${stats.loaded} loaded, ${stats.errors} JS errors, ${stats.bad.length} bad`);
    expect(stats.bad).toEqual([]);
    expect(stats.cases).toBe(3000);
    expect(stats.errors).toBeGreaterThan(1000);
    // nothing leaks from the failed loads
    expect(torch.memory().liveTensors).toBe(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
