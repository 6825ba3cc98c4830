/**
 * Redis's allocation sizes, for MEMORY USAGE of hashes and sets (objectComputeSize): what
 * jemalloc hands out for a request, and what an sds string of a given length costs. The
 * store cannot import server/stats.ts (where the same size classes serve INFO), hence this
 * small copy.
 */

/** jemalloc's size class for n bytes: 8, multiples of 16 up to 128, then 4 classes per doubling. */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const pow = 2 ** Math.ceil(Math.log2(n));
  const step = pow / 8;
  return Math.ceil(n / step) * step;
}

/** Allocation of an sds string made by sdsnewlen (a 1-byte header below 32 bytes, as sdsdup gives). */
export function sdsSize(len: number): number {
  const hdr = len === 0 ? 3 : len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return jemallocSize(len + hdr + 1);
}

/** Bucket count of a Redis dict holding n entries grown one insert at a time (at least 4). */
export function dictSlots(n: number): number {
  return n <= 4 ? 4 : 2 ** Math.ceil(Math.log2(n));
}

export const ROBJ_SIZE = 16;
export const DICT_SIZE = 56;
export const DICT_ENTRY_SIZE = 24;
/** MEMORY USAGE's default number of sampled elements. */
export const USAGE_SAMPLES = 5;

/** V8 heap bytes of a sequential one-byte string of len chars (16-byte header, 8-byte aligned). */
export function v8StringSize(len: number): number {
  return (16 + len + 7) & ~7;
}
