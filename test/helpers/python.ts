// Real PyTorch as the oracle. Tests that need it find a Python with torch
// (TORCH_NODE_PYTHON, then /usr/bin/python3) and skip with the reason when
// none is installed; CI installs python3-torch, so there they run.
import { execFileSync, spawnSync } from 'node:child_process';

function findPython(): { python: string | null; reason: string } {
  const candidates = [process.env.TORCH_NODE_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  for (const p of candidates) {
    const r = spawnSync(p, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: p, reason: '' };
  }
  return { python: null, reason: `skipped: no Python with torch found (tried ${candidates.join(', ')}); install python3-torch` };
}

const found = findPython();
export const python = found.python;
export const pythonMissingReason = found.reason;
if (!python) console.warn(pythonMissingReason);

/**
 * Runs a Python script (torch and json imported) that assigns its answers to
 * `out`, and returns them parsed. One process per test file keeps the
 * one-second torch import off every assertion.
 */
export function runPython<T = unknown>(code: string): T {
  if (!python) throw new Error(pythonMissingReason);
  const script = `import json, torch, math\nout = None\n${code}\nprint(json.dumps(out, allow_nan=True))\n`;
  const stdout = execFileSync(python, ['-c', script], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // json.dumps writes NaN / Infinity / -Infinity as bare tokens; make them strings first.
  const text = stdout.replace(/(?<=[[,:]\s*)(-?Infinity|NaN)(?=\s*[\],}])/g, '"$1"');
  return JSON.parse(text, (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as T;
}
