/**
 * A full garbage collection on demand (MEMORY PURGE), without requiring `node --expose-gc`:
 * V8 hands out its `gc` function to contexts created after the flag is set.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFn = (options?: { type: 'major' | 'minor' }) => void;

let gcFn: GcFn | null = null;

/** Runs a full (mark-sweep-compact) GC, giving freed memory back to the allocator. */
export function fullGc(): void {
  gcFunction()();
}

/** Runs a young-generation GC (a scavenge): a millisecond or so. */
export function minorGc(): void {
  gcFunction()({ type: 'minor' });
}

function gcFunction(): GcFn {
  if (gcFn === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as GcFn;
    }
  }
  return gcFn;
}
