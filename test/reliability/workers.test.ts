// The addon loads in four worker_threads at once, each training its own model
// (the seed article's loop); terminating a worker in the middle of a step leaves
// the process, the main thread and the other workers running.
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';

// Each worker trains the article's model (Linear 10->20 -> ReLU -> Linear 20->10, MSE, SGD)
// plus a wide layer whose steps spend most of their time inside libtorch, so that a
// terminate() lands in the middle of a step. It reports after every `report` steps.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import('tsx/esm/api').then((api) => { api.register(); return import(workerData.url); }).then((torch) => {
  const { nn, optim } = torch;
  torch.manual_seed(workerData.seed);
  const model = new nn.Sequential(new nn.Linear(10, 20), new nn.ReLU(), new nn.Linear(20, 10));
  const wide = new nn.Linear(256, 256);
  const opt = new optim.SGD([...model.parameters(), ...wide.parameters()], { lr: 0.01 });
  const lossFn = new nn.MSELoss();
  const x = torch.randn(100, 10), y = x.mul(0.5);
  const big = torch.randn(64, 256);
  let first = null, loss = 0;
  for (let i = 1; i <= workerData.steps; i++) {
    loss = torch.scope(() => {
      opt.zero_grad();
      const l = lossFn.call(model.call(x), y).add(wide.call(big).pow(2).mean().mul(1e-6));
      l.backward();
      opt.step();
      return l.item();
    });
    if (first === null) first = loss;
    if (i % workerData.report === 0) parentPort.postMessage({ step: i, loss });
  }
  parentPort.postMessage({ done: true, first, loss, live: torch.memory().liveTensors });
}).catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

interface Done {
  done: true;
  first: number;
  loss: number;
  live: number;
}
interface Run {
  worker: Worker;
  /** Resolves with the final report, or null when the worker was terminated. */
  finished: Promise<Done | null>;
  /** Resolves at the first progress report (the worker is in its training loop). */
  training: Promise<void>;
}

function start(seed: number, steps: number): Run {
  const url = new URL('../../lib/index.ts', import.meta.url).href;
  const worker = new Worker(WORKER, { eval: true, workerData: { url, seed, steps, report: 5 } });
  let markTraining: () => void = () => {};
  const training = new Promise<void>((r) => (markTraining = r));
  const finished = new Promise<Done | null>((resolve, reject) => {
    let done: Done | null = null;
    worker.on('message', (m: { error?: string; step?: number; done?: boolean }) => {
      if (m.error) reject(new Error(m.error));
      else if (m.step !== undefined) markTraining();
      else if (m.done) done = m as Done;
    });
    worker.once('error', reject);
    worker.once('exit', () => resolve(done));
  });
  return { worker, finished, training };
}

describe('worker_threads', () => {
  it('four workers train at once; terminating one mid-step leaves the others and the process running', async () => {
    const runs = [1, 2, 3, 4].map((seed) => start(seed, seed === 1 ? 100_000 : 120));
    // Worker 1 trains "forever"; once it is in its loop, terminate it while it runs steps back to back.
    await runs[0]!.training;
    await new Promise((r) => setTimeout(r, 50));
    const exitCode = await runs[0]!.worker.terminate();
    expect(exitCode).toBe(1); // terminated, not finished
    // The main thread's addon instance is unaffected.
    expect(torch.scope(() => torch.ones(3).add(1).sum().item())).toBe(6);
    const results = await Promise.all(runs.map((r) => r.finished));
    expect(results[0]).toBeNull();
    for (const r of results.slice(1)) {
      expect(r).not.toBeNull();
      expect(r!.loss).toBeLessThan(r!.first); // it trained
      expect(r!.live).toBe(9); // model (4) + wide (2) + x, y, big (plain SGD keeps no buffers): each worker has its own handle table
    }
  }, 60_000);

  it('repeated terminations at different points of a step, then new workers still load the addon', async () => {
    for (let round = 0; round < 4; round++) {
      const victim = start(10 + round, 100_000);
      const survivor = start(20 + round, 40);
      await victim.training;
      await new Promise((r) => setTimeout(r, 7 * round));
      await victim.worker.terminate();
      expect(await victim.finished).toBeNull();
      const s = await survivor.finished;
      expect(s!.loss).toBeLessThan(s!.first);
    }
    const fresh = await start(99, 10).finished;
    expect(fresh!.live).toBe(9);
    expect(torch.scope(() => torch.arange(4).sum().item())).toBe(6);
  }, 60_000);

  // Terminating a worker while it is inside a native call: N-API cannot throw into a dying
  // environment, and an Error made there once escaped as a C++ exception (std::terminate took
  // the whole process down within a few terminations). Run in a child, so such a crash shows
  // as its exit status.
  it('twenty workers terminated in the middle of small ops: the process lives', () => {
    const url = new URL('../../lib/index.ts', import.meta.url).href;
    const child = `
      import { Worker } from 'node:worker_threads';
      const worker = \`
        const { parentPort, workerData } = require('node:worker_threads');
        import('tsx/esm/api').then((api) => { api.register(); return import(workerData.url); }).then((torch) => {
          const a = torch.randn(4, 4), b = torch.randn(4, 4);
          parentPort.postMessage('ready');
          for (;;) { a.add(b).dispose(); a.view(16).dispose(); torch.scope(() => a.mul(2).sum().item()); }
        });
      \`;
      for (let i = 0; i < 20; i++) {
        const w = new Worker(worker, { eval: true, execArgv: [], workerData: { url: ${JSON.stringify(url)} } });
        await new Promise((r) => w.once('message', r));
        await new Promise((r) => setTimeout(r, (i * 7) % 20));
        await w.terminate();
      }
      console.log('survived 20');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/terminate called/);
    if (r.status !== 0) console.log(r.stderr);
    expect(r.stdout.trim()).toBe('survived 20');
    expect(r.status).toBe(0);
  }, 150_000);
});
