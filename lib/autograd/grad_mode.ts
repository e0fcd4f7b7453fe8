// torch.no_grad, enable_grad, set_grad_enabled. Grad mode is libtorch's own
// (thread-local) flag. Each works as a scope function, no_grad(() => ...), or
// as a disposable guard: `using _ = torch.no_grad();`.
import { native } from '../native.js';

export interface GradModeGuard {
  [Symbol.dispose](): void;
}

function withGradMode<T>(mode: boolean, fn?: () => T): T | GradModeGuard {
  const prev = native.isGradEnabled();
  native.setGradEnabled(mode);
  if (fn === undefined) {
    let restored = false;
    return {
      [Symbol.dispose]() {
        if (!restored) native.setGradEnabled(prev);
        restored = true;
      },
    };
  }
  let result: T;
  try {
    result = fn();
  } catch (e) {
    native.setGradEnabled(prev);
    throw e;
  }
  if (result instanceof Promise) {
    // Restore once the async work ends. Other code running meanwhile sees this mode too.
    return result.finally(() => native.setGradEnabled(prev)) as T;
  }
  native.setGradEnabled(prev);
  return result;
}

/** Runs fn with gradient tracking off (or, without fn, returns a guard for `using`). */
export function no_grad(): GradModeGuard;
export function no_grad<T>(fn: () => T): T;
export function no_grad<T>(fn?: () => T): T | GradModeGuard {
  return withGradMode(false, fn);
}

export function enable_grad(): GradModeGuard;
export function enable_grad<T>(fn: () => T): T;
export function enable_grad<T>(fn?: () => T): T | GradModeGuard {
  return withGradMode(true, fn);
}

/** set_grad_enabled(mode) sets the mode (and returns a guard restoring the old one); with fn, runs fn under it. */
export function set_grad_enabled(mode: boolean): GradModeGuard;
export function set_grad_enabled<T>(mode: boolean, fn: () => T): T;
export function set_grad_enabled<T>(mode: boolean, fn?: () => T): T | GradModeGuard {
  if (typeof mode !== 'boolean') throw new TypeError(`set_grad_enabled(): argument 'mode' must be bool, not ${typeof mode}`);
  return withGradMode(mode, fn);
}

export function is_grad_enabled(): boolean {
  return native.isGradEnabled();
}
