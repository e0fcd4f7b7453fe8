// Starting ranks as child processes for the torch.distributed tests.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distributed } from '../../lib/index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RANKS = join(ROOT, 'test', 'distributed', 'ranks');

/** Why the torch.distributed tests cannot run here ('' when they can). */
export const glooMissingReason = distributed.is_gloo_available()
  ? ''
  : 'skipped: this addon was built without Gloo (apt-get install libgloo-dev, then rebuild)';
/** The suffix for a describe() title: nothing, or the skip reason. */
export const glooNote = glooMissingReason ? ` (${glooMissingReason})` : '';

/** A port nobody listens on right now (the OS's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (killed after killAfterMs), collecting its output. */
export function run(cmd: string, args: string[], env: Record<string, string>, killAfterMs = 50_000): Promise<Exit> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** Runs a TypeScript rank script under Node with tsx. */
export function runTs(script: string, args: string[], env: Record<string, string>, killAfterMs?: number): Promise<Exit> {
  return run(process.execPath, ['--import', 'tsx', join(RANKS, script), ...args], env, killAfterMs);
}

/** The JSON lines a rank printed. */
export function jsonLines<T>(out: string): T[] {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as T);
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
