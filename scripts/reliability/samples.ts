// Memory samples for the long-run soaks: RSS, V8 heap and live tensors every N
// steps, and the least-squares slope of RSS per 1,000 steps.
import * as torch from '../../lib/index.js';

export interface Sample {
  step: number;
  rssMB: number;
  heapUsedMB: number;
  liveTensors: number;
}

export interface SoakSummary {
  steps: number;
  seconds: number;
  rssStartMB: number;
  rssEndMB: number;
  /** RSS slope over the samples after warm-up (the first quarter of the run), MB per 1,000 steps. */
  rssSlopeMBPer1000: number;
  liveTensorsMin: number;
  liveTensorsMax: number;
  samples: Sample[];
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * One sample. With --expose-gc, a full collection runs first and the event loop
 * turns twice, so the finalizers of collected tensors have run: what is counted is
 * what is still reachable, not garbage waiting for the collector.
 */
export async function sample(step: number): Promise<Sample> {
  if (gc) {
    gc();
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { step, rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, liveTensors: torch.memory().liveTensors };
}

export function formatSample(s: Sample): string {
  return `step ${String(s.step).padStart(7)}  rss ${s.rssMB.toFixed(1).padStart(7)} MB  heap ${s.heapUsedMB.toFixed(1).padStart(6)} MB  live tensors ${s.liveTensors}`;
}

/** Least-squares slope of rss over step, per 1,000 steps. */
export function slopePer1000(samples: readonly Sample[]): number {
  if (samples.length < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.step, 0) / samples.length;
  const my = samples.reduce((a, s) => a + s.rssMB, 0) / samples.length;
  const sxy = samples.reduce((a, s) => a + (s.step - mx) * (s.rssMB - my), 0);
  const sxx = samples.reduce((a, s) => a + (s.step - mx) ** 2, 0);
  return sxx === 0 ? 0 : (sxy / sxx) * 1000;
}

export function summarize(samples: readonly Sample[], steps: number, seconds: number): SoakSummary {
  const measured = samples.filter((s) => s.step >= steps / 4);
  const live = measured.map((s) => s.liveTensors);
  return {
    steps,
    seconds,
    rssStartMB: samples[0]!.rssMB,
    rssEndMB: samples[samples.length - 1]!.rssMB,
    rssSlopeMBPer1000: slopePer1000(measured),
    liveTensorsMin: Math.min(...live),
    liveTensorsMax: Math.max(...live),
    samples: [...samples],
  };
}

export function formatSummary(name: string, r: SoakSummary): string {
  return (
    `${name}: ${r.steps} steps in ${r.seconds.toFixed(1)} s (${((r.seconds * 1e6) / Math.max(1, r.steps)).toFixed(0)} us/step); ` +
    `RSS ${r.rssStartMB.toFixed(1)} MB at start, ${r.rssEndMB.toFixed(1)} MB at the end; ` +
    `slope after warm-up ${r.rssSlopeMBPer1000.toFixed(4)} MB per 1,000 steps; live tensors after warm-up ${r.liveTensorsMin}..${r.liveTensorsMax}`
  );
}
