// Short forms of the long-run memory soaks (scripts/reliability/soak-train.ts and
// soak-dataloader.ts; the long forms' figures are in the issue report): live
// tensors stay flat and RSS stays bounded over thousands of steps, both for the
// article's loop under torch.scope and for a plain `for await` DataLoader loop over
// Fashion-MNIST with no dispose at all.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--import', 'tsx'];

interface Summary {
  steps: number;
  rssSlopeMBPer1000: number;
  liveTensorsMin: number;
  liveTensorsMax: number;
  samples: { step: number; rssMB: number; liveTensors: number }[];
}

function run(script: string, args: string[]): Summary {
  const out = execFileSync(process.execPath, [...NODE_FLAGS, script, ...args], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Summary;
}

const FASHION = process.env.TORCH_NODE_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const fashionMissing = !existsSync(`${FASHION}/train-images-idx3-ubyte.gz`) && !existsSync(`${FASHION}/train-images-idx3-ubyte`);

describe('long-run memory, short forms', () => {
  it('the article loop under torch.scope: 5,000 steps, live tensors flat, RSS flat after warm-up', () => {
    const r = run('scripts/reliability/soak-train.ts', ['5000', '250', '--json']);
    expect(r.steps).toBe(5000);
    expect(r.liveTensorsMin).toBe(r.liveTensorsMax);
    const measured = r.samples.filter((s) => s.step >= 1500);
    const growth = Math.max(...measured.map((s) => s.rssMB)) - measured[0]!.rssMB;
    expect(growth).toBeLessThan(8);
  }, 90_000);

  it.skipIf(fashionMissing)(
    `a for-await DataLoader loop over Fashion-MNIST with no dispose: live tensors and RSS bounded ${fashionMissing ? `(skipped: no Fashion-MNIST files in ${FASHION}; apt-get install dataset-fashion-mnist)` : ''}`,
    () => {
      const r = run('scripts/reliability/soak-dataloader.ts', ['--epochs', '2', '--limit', '2560', '--batch', '32', '--every', '20', '--json']);
      expect(r.steps).toBe(160);
      // Garbage awaiting the collector is not counted (samples follow a full GC), so what is
      // live is the model, the optimizer's buffers and the dataset: the same few at every sample.
      expect(r.liveTensorsMax - r.liveTensorsMin).toBeLessThanOrEqual(2);
      expect(r.liveTensorsMax).toBeLessThan(30);
      const measured = r.samples.filter((s) => s.step >= 40);
      const growth = Math.max(...measured.map((s) => s.rssMB)) - measured[0]!.rssMB;
      expect(growth).toBeLessThan(24);
    },
    90_000,
  );
});
