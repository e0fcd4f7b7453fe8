// A process killed with SIGKILL in the middle of torch.save (or saveAsync) leaves
// the previous file under that name intact and loadable: the new version goes to
// a temporary file that is renamed over the old one only once it is complete and
// fsynced. Four children at a time save version after version of a checkpoint to
// their own path and are killed at varying moments; each time, the file must load
// and hold one whole version, no older than the last one the child reported saved.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tn-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface KillResult {
  log: string[];
  lastSaved: number;
  killedWhileSaving: number;
}

/**
 * Starts a saving child whose versions start at `first`, kills it with SIGKILL during its save
 * number `killAt` (after `delayMs`), reports what it said; `onDisk` is the version the file held before.
 */
function saveAndKill(path: string, mode: 'sync' | 'async', first: number, onDisk: number, killAt: number, delayMs: number): Promise<KillResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/save-loop.ts', path, mode, String(first)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastSaved = onDisk;
    let saving = 0;
    let killed = false;
    const log: string[] = [`first ${first}`];
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        log.push(line);
        const [word, n] = line.split(' ');
        if (word === 'saved') lastSaved = Number(n);
        if (word === 'saving') {
          saving = Number(n);
          if (!killed && saving >= first + killAt) {
            killed = true;
            setTimeout(() => child.kill('SIGKILL'), delayMs);
          }
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the saving child exited by itself (code ${code}): ${err}`));
      else resolve({ log, lastSaved, killedWhileSaving: saving });
    });
  });
}

describe('SIGKILL during torch.save', () => {
  it('leaves the previous checkpoint intact and loadable, every time', async () => {
    // Child start-up (Node, tsx, the library) dominates: children run in parallel, and every path
    // starts with a version 0 written here, so that every kill has a previous file to protect.
    const ROUNDS = 2;
    const CHILDREN = 6;
    let kills = 0;
    let leftovers = 0;
    const versions = new Map<string, number>(); // the last version number each path's child used
    const onDisk = new Map<string, number>(); // the version each path's file holds
    for (let c = 0; c < CHILDREN; c++) {
      const path = join(dir, `ck${c}.pt`);
      const w = torch.full([4 << 20], 0);
      const b = torch.arange(1000);
      torch.save({ version: 0, w, b }, path);
      w.dispose();
      b.dispose();
      versions.set(path, 0);
      onDisk.set(path, 0);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const runs = Array.from({ length: CHILDREN }, (_, c) => {
        const path = join(dir, `ck${c}.pt`);
        const mode = c % 2 === 0 ? 'sync' : 'async';
        const first = versions.get(path)! + 1;
        // Kill during the 1st..3rd save of this child, 0-20 ms into it.
        return saveAndKill(path, mode, first, onDisk.get(path)!, (round + c) % 3, (round * 7 + c * 5) % 21).then((r) => ({ path, mode, r }));
      });
      for (const { path, mode, r } of await Promise.all(runs)) {
        kills++;
        const name = path.slice(dir.length + 1);
        const temps = readdirSync(dir).filter((n) => n.startsWith(`.${name}.`) && n.endsWith('.tmp'));
        leftovers += temps.length;
        for (const t of temps) rmSync(join(dir, t));
        const ck = torch.load<Map<string, unknown>>(path);
        const v = ck.get('version') as number;
        const w = ck.get('w') as torch.Tensor;
        const b = ck.get('b') as torch.Tensor;
        expect(v, `${mode} child ${name}, round ${round}: ${JSON.stringify(r)}, log ${r.log.join(',')}`).toBeGreaterThanOrEqual(r.lastSaved);
        expect(v).toBeLessThanOrEqual(r.killedWhileSaving);
        expect(w.shape).toEqual([4 << 20]);
        expect(torch.scope(() => w.eq(v).all().item())).toBe(true);
        expect(torch.scope(() => b.sub(torch.arange(1000)).eq(v).all().item())).toBe(true);
        w.dispose();
        b.dispose();
        versions.set(path, r.killedWhileSaving);
        onDisk.set(path, v);
      }
    }
    expect(kills).toBe(ROUNDS * CHILDREN);
    // Most kills land inside a save (the children spend nearly all their time saving): the
    // temporary files they leave are the proof that the kill interrupted a write.
    expect(leftovers).toBeGreaterThan(0);
    console.log(`checkpoint kill test: ${kills} SIGKILLs, ${leftovers} interrupted writes left a temporary file, every checkpoint loaded whole`);
  }, 120_000);
});
