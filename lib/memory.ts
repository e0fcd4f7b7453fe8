// Deterministic release of tensors. JS garbage collection cannot free native
// memory inside a synchronous loop (Node runs finalizers only between tasks),
// so tensors can be freed by dispose(), by the scope that created them, or,
// as a last resort, by the FinalizationRegistry.
import { HANDLE, native } from './native.js';

export interface Disposable {
  dispose(): void;
}

/** What scopes hold: a Disposable that the garbage collector can be made responsible for. */
export interface Trackable extends Disposable {
  /** Called when the object leaves the last scope: from now on the FinalizationRegistry frees it if it is dropped. */
  adoptByGC(): void;
}

/** Frees a handle when its Tensor object is garbage-collected; a handle already freed is ignored natively. */
export const finalizer = new FinalizationRegistry<number>((handle) => {
  native.release(handle);
});

// dispose() does not call into the addon: it appends the handle to a queue the
// addon shares and drains at the start of every native call (a native call per
// dispose cost as much as a small op). So the memory is returned before the next
// op or native call can allocate, at the latest when the queue is full.
const RELEASE_CAPACITY = 1024;
const releaseQueue = new Float64Array(RELEASE_CAPACITY + 1);
native.setReleaseQueue(releaseQueue);

/** Frees a handle at the start of the next native call. */
export function releaseSoon(handle: number): void {
  let n = releaseQueue[0]!;
  if (n === RELEASE_CAPACITY) {
    native.drainReleases();
    n = 0;
  }
  releaseQueue[n + 1] = handle;
  releaseQueue[0] = n + 1;
}

// Tensors made outside any scope are handed to the FinalizationRegistry in
// batches: most are disposed within a few ops and then never need a record
// (registering and unregistering one costs more than a small op). At most
// PENDING_LIMIT tensors wait, and never past the current turn of the event loop.
const PENDING_LIMIT = 1024;
const pending: Trackable[] = [];
let flushScheduled = false;

export function adoptSoon(t: Trackable): void {
  pending.push(t);
  if (pending.length >= PENDING_LIMIT) flushPending();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushPending).unref();
  }
}

function flushPending(): void {
  flushScheduled = false;
  for (const t of pending) t.adoptByGC(); // a no-op for tensors disposed meanwhile
  pending.length = 0;
}

class Scope {
  readonly tracked: Trackable[] = [];
  /** Made on the first keep(): most scopes keep nothing. */
  kept: Set<Trackable> | null = null;
}

const scopes: Scope[] = [];

/**
 * Called by every new Tensor: the innermost open scope owns it, and it needs no
 * finalizer until it leaves the last scope (registering one costs more than a small op).
 * Returns false when no scope is open.
 */
export function track(t: Trackable): boolean {
  // Checked before indexing: scopes[-1] is a named-property lookup, a slow path V8 took for every new tensor.
  const n = scopes.length;
  if (n === 0) return false;
  scopes[n - 1]!.tracked.push(t);
  return true;
}

/**
 * Runs fn and frees every tensor created inside it, except those in its
 * result (a Tensor, or Tensors inside arrays, Maps and plain objects) and
 * those passed to keep(). Scopes nest: what an inner scope returns belongs to
 * the outer one. fn must be synchronous (a Promise result is refused),
 * since tensors created after an await could not be told apart.
 */
export function scope<T>(fn: () => T): T {
  const s = new Scope();
  scopes.push(s);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    release(s, new Set());
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    release(s, new Set());
    throw new TypeError('torch.scope(fn): fn returned a Promise; scope() only tracks synchronous code (await inside it, then call scope() per step)');
  }
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  if ((typeof result !== 'object' || result === null) && s.kept === null) {
    // Nothing survives (a training step returns nothing or a number): no bookkeeping sets.
    for (const t of s.tracked) t.dispose();
    return result;
  }
  const survivors = new Set<Trackable>(s.kept ?? undefined);
  collect(result, survivors, new Set());
  release(s, survivors);
  for (const t of survivors) {
    if (outer !== undefined) outer.tracked.push(t);
    else adoptSoon(t);
  }
  return result;
}

/** Keeps t alive past the innermost scope (it moves to the enclosing one, if any). */
export function keep<T extends Trackable>(t: T): T {
  const n = scopes.length;
  if (n > 0) (scopes[n - 1]!.kept ??= new Set()).add(t);
  return t;
}

function release(s: Scope, survivors: Set<Trackable>): void {
  for (const t of s.tracked) if (!survivors.has(t)) t.dispose();
}

function collect(v: unknown, out: Set<Trackable>, seen: Set<unknown>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (HANDLE in v) {
    out.add(v as unknown as Trackable);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) collect(x, out, seen);
  } else if (v instanceof Map) {
    for (const x of v.values()) collect(x, out, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collect(x, out, seen);
  }
}

export interface MemoryStats {
  /** Tensor handles held by JS that have not been freed. */
  liveTensors: number;
  /** Bytes of those tensors' elements (each handle counts its own elements, at most its storage's size). */
  liveBytes: number;
  /** The most live handles seen at once. */
  peakTensors: number;
}

/** Live tensors and bytes, so a leak is visible and testable. */
export function memory(): MemoryStats {
  return native.memoryStats();
}
