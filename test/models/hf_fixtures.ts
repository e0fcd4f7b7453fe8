// Helpers of test/models/{bert,gpt2}.test.ts: run test/models/hf_reference.py (the
// plain-PyTorch reference of HF's BERT and GPT-2) and compare tensors with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Tensor } from '../../lib/tensor.js';
import { runPython } from '../helpers/python.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Runs Python with hf_reference imported as `ref`; the code assigns its answer to `out`. */
export function runRef<T>(code: string): T {
  return runPython<T>(`import sys\nsys.path.insert(0, ${JSON.stringify(HERE)})\nimport hf_reference as ref\n${code}`);
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `torch-node-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Nested = number | Nested[];

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

function shapeOf(v: Nested): number[] {
  return Array.isArray(v) ? [v.length, ...(v.length > 0 ? shapeOf(v[0]!) : [])] : [];
}

/** The largest |a - b| seen by expectClose in this process, per label (for the report). */
export const maxDiffs = new Map<string, number>();

/** Same shape, and every |a - b| <= atol + rtol |b|. Returns the largest |a - b|. */
export function expectClose(actual: Tensor, expected: Nested, atol = 1e-4, rtol = 1e-4, label = ''): number {
  expect(actual.shape).toEqual(shapeOf(expected));
  const a = flat(actual.tolist() as Nested);
  const e = flat(expected);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - e[i]!);
    if (!(d <= atol + rtol * Math.abs(e[i]!))) expect.fail(`${label} element ${i}: ${a[i]} vs expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
    worst = Math.max(worst, d);
  }
  if (label) maxDiffs.set(label, Math.max(maxDiffs.get(label) ?? 0, worst));
  return worst;
}
