/**
 * A full garbage collection on demand (MEMORY PURGE), without requiring `node --expose-gc`:
 * V8 hands out its `gc` function to contexts created after the flag is set.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null = null;

/** Runs a full (mark-sweep-compact) GC, giving freed memory back to the allocator. */
export function fullGc(): void {
  if (gcFn === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}
