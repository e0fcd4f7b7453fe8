// The addon keeps its state per environment, so it loads in worker_threads too.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import('tsx/esm/api').then((api) => { api.register(); return import(workerData.url); }).then((torch) => {
  torch.manual_seed(workerData.seed);
  const w = torch.randn([4, 1], { requires_grad: true });
  const x = torch.randn(16, 4);
  const y = x.matmul(torch.tensor([[1], [2], [3], [4]], { dtype: 'float32' }));
  let loss = 0;
  for (let i = 0; i < 200; i++) {
    loss = torch.scope(() => {
      const l = x.matmul(w).sub(y).pow(2).mean();
      l.backward();
      torch.no_grad(() => w.sub_(w.grad.mul(0.05)));
      w.grad = null;
      return l.item();
    });
  }
  parentPort.postMessage({ loss, live: torch.memory().liveTensors });
}).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

describe('worker_threads', () => {
  it('four workers train their own models at once while the main thread keeps working', async () => {
    const url = new URL('../lib/index.ts', import.meta.url).href;
    const runs = [1, 2, 3, 4].map(
      (seed) =>
        new Promise<{ loss: number; live: number; error?: string }>((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: { url, seed } });
          w.once('message', (m) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    );
    const mainSum = torch.ones(3).add(1).sum().item();
    const results = await Promise.all(runs);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.loss).toBeLessThan(0.05);
      expect(r.live).toBe(4); // w, x, y and the literal: each worker has its own handle table
    }
    expect(mainSum).toBe(6);
  }, 60_000);
});
