// A rank that dies or stops mid-training makes the others fail with an Error
// within the configured timeout: Gloo's own error travels up through the
// Reducer and loss.backward() as a JS Error; nothing hangs, nothing aborts.
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, runTs, glooMissingReason, glooNote } from './helpers.js';

interface Line { rank: number; step: number; ok?: boolean; error?: string; ms?: number }

async function twoRanks(mode: 'kill' | 'stall', timeoutMs: number) {
  const port = await freePort();
  const env = (rank: number) => ({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(rank) });
  const [r0, r1] = await Promise.all([
    runTs('failure.ts', [mode, String(timeoutMs)], env(0)),
    runTs('failure.ts', [mode, String(timeoutMs)], env(1)),
  ]);
  return { r0, r1, lines0: jsonLines<Line>(r0.stdout) };
}

describe.skipIf(!!glooMissingReason)(`torch.distributed failure handling${glooNote}`, () => {
  it('a rank killed mid-training: the survivor gets an Error from backward at once, then tears down and exits normally', async () => {
    const timeout = 10_000;
    const { r0, r1, lines0 } = await twoRanks('kill', timeout);
    expect(r1.signal).toBe('SIGKILL');
    const failed = lines0.find((l) => l.error !== undefined);
    expect(failed, r0.stdout + r0.stderr).toBeDefined();
    expect(failed!.step).toBe(3);
    expect(lines0.filter((l) => l.ok).map((l) => l.step)).toEqual([0, 1, 2]);
    // Gloo's message names the broken connection (a reset, or a closed peer).
    expect(failed!.error).toMatch(/gloo|Connection|peer|Timed out/i);
    expect(failed!.ms).toBeLessThan(timeout + 2000);
    expect(r0.signal).toBeNull();
    expect(r0.code).toBe(3);
  }, 60_000);

  it('a rank that stops taking part: the survivor\'s all-reduce times out after the configured timeout', async () => {
    const timeout = 3000;
    const { r0, lines0 } = await twoRanks('stall', timeout);
    const failed = lines0.find((l) => l.error !== undefined);
    expect(failed, r0.stdout + r0.stderr).toBeDefined();
    expect(failed!.step).toBe(3);
    expect(failed!.error).toMatch(/Timed out waiting 3000ms/);
    expect(failed!.ms).toBeGreaterThanOrEqual(timeout - 100);
    expect(failed!.ms).toBeLessThan(timeout + 3000);
    expect(r0.signal).toBeNull();
    expect(r0.code).toBe(3);
  }, 60_000);
});
