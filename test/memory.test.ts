// Deterministic release: dispose, scopes, and counters of live tensors.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const live = () => torch.memory().liveTensors;

describe('memory', () => {
  it('dispose frees exactly once and Symbol.dispose works with using', () => {
    const before = live();
    const a = torch.randn(10);
    expect(live()).toBe(before + 1);
    a.dispose();
    a.dispose();
    expect(live()).toBe(before);
    {
      using _b = torch.randn(10);
      expect(live()).toBe(before + 1);
    }
    expect(live()).toBe(before);
  });

  it('scope frees what it created except its result and kept tensors', () => {
    const before = live();
    const x = torch.randn(4, 4);
    let kept: torch.Tensor | undefined;
    const out = torch.scope(() => {
      const y = x.mul(2).add(1);
      kept = torch.keep(y.sum());
      const z = y.relu();
      return { z, list: [y.max()] };
    });
    expect(live()).toBe(before + 1 + 3);
    expect(out.z.shape).toEqual([4, 4]);
    expect(kept!.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    out.z.dispose();
    out.list[0]!.dispose();
    kept!.dispose();
    x.dispose();
    expect(live()).toBe(before);
  });

  it('a scope returning no tensor (a number, undefined) frees everything it made, except what keep() kept', () => {
    const before = live();
    const n = torch.scope(() => torch.ones(3).mul(2).sum().item());
    expect(n).toBe(6);
    expect(live()).toBe(before);
    expect(torch.scope(() => { torch.ones(2).add(1); })).toBeUndefined();
    expect(live()).toBe(before);
    let kept: torch.Tensor | undefined;
    const m = torch.scope(() => {
      kept = torch.keep(torch.ones(2));
      torch.zeros(5);
      return 7;
    });
    expect(m).toBe(7);
    expect(live()).toBe(before + 1);
    expect(kept!.tolist()).toEqual([1, 1]);
    kept!.dispose();
    expect(live()).toBe(before);
  });

  it('nested scopes hand results outward, and errors still free', () => {
    const before = live();
    const r = torch.scope(() => {
      const inner = torch.scope(() => torch.ones(3).mul(2));
      return inner.add(1);
    });
    expect(live()).toBe(before + 1);
    expect(r.tolist()).toEqual([3, 3, 3]);
    r.dispose();
    expect(() => torch.scope(() => { torch.ones(3); throw new Error('inside'); })).toThrow('inside');
    expect(live()).toBe(before);
  });

  it('a 100,000-iteration loop inside scope keeps live tensors flat and RSS within a few MB', () => {
    // A fresh process with V8's young generation pinned, so that heap sizing does not pass for growth.
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--import', 'tsx', 'scripts/soak-scope.ts', '130000', '10000', '--json'],
      { encoding: 'utf8', cwd: root },
    );
    const r = JSON.parse(out) as { samples: { step: number; rssMB: number; liveTensors: number }[] };
    // The first 30,000 steps warm the allocator; the next 100,000 are measured.
    const measured = r.samples.filter((s) => s.step >= 30_000);
    expect(new Set(measured.map((s) => s.liveTensors)).size).toBe(1);
    const growth = measured[measured.length - 1]!.rssMB - measured[0]!.rssMB;
    expect(growth).toBeLessThan(4);
  }, 180_000);
});
