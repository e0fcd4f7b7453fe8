// TorchScript fixtures for test/jit/: scripts/fixtures/jit_models.py (real
// PyTorch) writes them into a temporary folder at test time and returns the
// reference values.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Tensor } from '../../lib/tensor.js';
import { runPython } from '../helpers/python.js';

export const FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/fixtures');

/** Runs Python with scripts/fixtures/jit_models.py imported as `jm`; the code assigns its answer to `out`. */
export function runJitPython<T>(code: string): T {
  return runPython<T>(`import sys\nsys.path.insert(0, ${JSON.stringify(FIXTURE_DIR)})\nimport jit_models as jm\n${code}`);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-jit-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Nested = number | Nested[];

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** Elementwise |a - b| <= atol + rtol * |b|, with the shapes of nested lists equal. */
export function expectClose(actual: Tensor | Nested, expected: Nested, atol = 1e-5, rtol = 1e-5): void {
  const a = flat(typeof actual === 'object' && !Array.isArray(actual) ? (actual.tolist() as Nested) : actual);
  const e = flat(expected);
  expect(a.length).toBe(e.length);
  const bad = a.findIndex((x, i) => !(Math.abs(x - e[i]!) <= atol + rtol * Math.abs(e[i]!)));
  if (bad >= 0) expect.fail(`element ${bad}: ${a[bad]} vs expected ${e[bad]} (atol ${atol}, rtol ${rtol})`);
}
