import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { v8StringSize } from '../../src/store/types/alloc.js';
import { Dict } from '../../src/store/dict.js';
import { fullGc } from '../../src/util/gc.js';

/** V8's heap in use, every space (a full GC moves the young generation's survivors out). */
function heapUsed(): number {
  let used = 0;
  for (const s of getHeapSpaceStatistics()) used += s.space_used_size;
  return used;
}

/** n keys of `len` chars made as the parser makes them (latin1Slice of a buffer). */
function makeKeys(n: number, len: number, seed: number): string[] {
  const buf = Buffer.alloc(len);
  // Preallocated: the array is exactly n pointers (8 bytes each), subtracted below.
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    // Distinct keys: base 36 digits of (seed, i), padded on the left to the length.
    const s = (seed * 1e6 + i).toString(36).padStart(len, '0');
    buf.latin1Write(s, 0);
    keys[i] = buf.latin1Slice(0, len);
  }
  return keys;
}

test('the heap estimate of an evicted key is what V8 gives back for its key string, not more', () => {
  const n = 100000;
  for (const len of [8, 16, 17, 40]) {
    // Deleting keys from a Dict whose size then stays put (one added per key deleted, as a
    // SET under eviction does) frees the deleted key strings at the next full GC.
    const d = new Dict<number>();
    for (const k of makeKeys(n, len, 1)) d.add(k, 0);
    const fresh = makeKeys(n, len, 2);
    fullGc();
    fullGc();
    const before = heapUsed();
    for (let i = 0; i < n; i++) {
      d.deleteAt(d.randomIndex());
      d.add(fresh[i], 0);
    }
    fresh.length = 0;
    fullGc();
    fullGc();
    // What went: the deleted keys' strings and the `fresh` array's 8-byte slots.
    const freedPerKey = (before - heapUsed()) / n - 8;
    // The evictor's per-key estimate (evict.ts heapSizeOf: the key string's size).
    const estimate = v8StringSize(len);
    // A lower bound (an overestimate is dropped at the next major GC: a burst of evictions),
    // and a close one (an underestimate keeps the figure high until that GC). The heap figure
    // moves by up to ~300 KB for other reasons between the two readings: 3 bytes per key of
    // tolerance (the estimate this replaced was about twice the freed size).
    assert.ok(
      estimate <= freedPerKey + 3,
      `len ${len}: estimate ${estimate} > freed ${freedPerKey.toFixed(1)}`,
    );
    assert.ok(
      estimate >= freedPerKey * 0.9,
      `len ${len}: estimate ${estimate} << freed ${freedPerKey.toFixed(1)}`,
    );
    assert.equal(d.size, n);
  }
});
