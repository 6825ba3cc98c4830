/**
 * The set type (t_set.c). Two encodings, as Redis 7.0 reports them:
 * - `intset`: every member is a canonical int64 (string2ll accepts it); kept as one sorted
 *   array of numbers, so iteration is in ascending order like Redis's intset. Becomes a
 *   hashtable when a non-integer member arrives or the size exceeds set-max-intset-entries.
 * - `hashtable`: a CompactDict of members only (no values): O(1) membership, O(1) random
 *   member, SCAN cursor.
 * Conversion only goes one way, as in Redis (except SPOP's rebuild, which Redis also does).
 *
 * The intset is a plain JS array held by the set object itself (no wrapper object): numbers
 * while every value is within ±2^53 (exact as doubles, stored unboxed, no BigInt on the hot
 * path), bigints once one is not. Arrays up to EXACT_COPY_MAX entries are copied to their
 * exact size on insert — a typed array or an array grown by push would carry 100-200 bytes
 * of slack, more than a small intset's members.
 */
import { CompactDict } from './compact-dict.js';
import type { RObject } from '../database.js';
import { parseInt64 } from '../../util/numbers.js';
import {
  DICT_ENTRY_SIZE,
  DICT_SIZE,
  ROBJ_SIZE,
  USAGE_SAMPLES,
  dictSlots,
  jemallocSize,
  sdsSize,
  v8StringSize,
} from './alloc.js';

/** Redis limits intsets to 2^30 entries whatever set-max-intset-entries says. */
const INTSET_HARD_LIMIT = 1 << 30;
const EXACT_COPY_MAX = 1024;

/** Member as an intset value: a number within ±2^53, a bigint beyond, null when not an int64. */
export function intsetValue(m: string): number | bigint | null {
  const c0 = m.charCodeAt(0);
  // Cheap reject before parsing: string2ll needs a digit or '-' first and at most 20 chars.
  if (m.length > 20 || !((c0 >= 48 && c0 <= 57) || c0 === 45)) return null;
  return parseInt64(m);
}

/** Index of v in the ascending array a, or -(insertion point) - 1. */
function searchNums(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid];
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function searchBigs(a: bigint[], v: bigint): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid];
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Inserts v at i: an exact-size copy for small arrays, an in-place splice for big ones. */
function insertAt<T>(a: T[], i: number, v: T): T[] {
  const n = a.length;
  if (n >= EXACT_COPY_MAX) {
    a.splice(i, 0, v);
    return a;
  }
  const out = new Array<T>(n + 1);
  for (let j = 0; j < i; j++) out[j] = a[j];
  out[i] = v;
  for (let j = i; j < n; j++) out[j + 1] = a[j];
  return out;
}

export class SetObject implements RObject {
  lru = 0;
  /** intset encoding, all values within ±2^53: ascending numbers. */
  private nums: number[] | null;
  /** intset encoding once a value is beyond ±2^53: ascending bigints. */
  private bigs: bigint[] | null = null;
  /** hashtable encoding (members, no values), or null. */
  dict: CompactDict<undefined> | null;

  private constructor(nums: number[] | null, dict: CompactDict<undefined> | null) {
    this.nums = nums;
    this.dict = dict;
  }

  /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
  static forMember(first: string): SetObject {
    return intsetValue(first) !== null ? SetObject.emptyIntset() : SetObject.emptyHashtable();
  }

  static emptyIntset(): SetObject {
    return new SetObject([], null);
  }

  static emptyHashtable(): SetObject {
    return new SetObject(null, new CompactDict<undefined>(false));
  }

  get type(): 'set' {
    return 'set';
  }

  /** True while the set is an intset. */
  get isIntset(): boolean {
    return this.dict === null;
  }

  encoding(): string {
    return this.dict === null ? 'intset' : 'hashtable';
  }

  get size(): number {
    if (this.nums !== null) return this.nums.length;
    if (this.bigs !== null) return this.bigs.length;
    return this.dict!.size;
  }

  /** Index of an intset value, or -(insertion point) - 1. */
  private search(v: number | bigint): number {
    if (this.nums !== null) {
      if (typeof v === 'bigint') return v < 0n ? -1 : -this.nums.length - 1;
      return searchNums(this.nums, v);
    }
    return searchBigs(this.bigs!, typeof v === 'bigint' ? v : BigInt(v));
  }

  has(m: string): boolean {
    if (this.dict !== null) return this.dict.has(m);
    const v = intsetValue(m);
    return v !== null && this.search(v) >= 0;
  }

  /** Adds m (setTypeAdd); false when already a member. maxIntset: set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    if (this.dict === null) {
      const v = intsetValue(m);
      if (v !== null) {
        let i = this.search(v);
        if (i >= 0) return false;
        i = -i - 1;
        if (typeof v === 'bigint' && this.nums !== null) {
          this.bigs = this.nums.map((x) => BigInt(x));
          this.nums = null;
        }
        if (this.nums !== null) this.nums = insertAt(this.nums, i, v as number);
        else this.bigs = insertAt(this.bigs!, i, typeof v === 'bigint' ? v : BigInt(v));
        if (this.size > Math.min(maxIntset, INTSET_HARD_LIMIT)) this.toHashtable();
        return true;
      }
      this.toHashtable();
    }
    return this.dict!.tryAdd(m);
  }

  /** Removes m; false when it was not a member. */
  remove(m: string): boolean {
    if (this.dict !== null) return this.dict.delete(m);
    const v = intsetValue(m);
    if (v === null) return false;
    const i = this.search(v);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** The member at index i (0 <= i < size): ascending for intsets, Dict order otherwise. */
  memberAt(i: number): string {
    if (this.nums !== null) return String(this.nums[i]);
    if (this.bigs !== null) return this.bigs[i].toString();
    return this.dict!.keyAt(i);
  }

  /** Every member, in memberAt order (sorted-set commands take sets as inputs). */
  *members(): IterableIterator<string> {
    const n = this.size;
    for (let i = 0; i < n; i++) yield this.memberAt(i);
  }

  /** Removes the member at index i (the last member moves in on hashtables). */
  removeAt(i: number): void {
    if (this.nums !== null) this.nums.splice(i, 1);
    else if (this.bigs !== null) this.bigs.splice(i, 1);
    else this.dict!.deleteAt(i);
  }

  /** A uniformly random index in [0, size). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  toHashtable(): void {
    if (this.dict !== null) return;
    const n = this.size;
    const d = new CompactDict<undefined>(false, n);
    for (let i = 0; i < n; i++) d.add(this.memberAt(i));
    this.dict = d;
    this.nums = null;
    this.bigs = null;
  }

  clone(): SetObject {
    if (this.dict === null) {
      const s = new SetObject(this.nums !== null ? this.nums.slice() : null, null);
      if (this.bigs !== null) s.bigs = this.bigs.slice();
      return s;
    }
    const src = this.dict;
    const d = new CompactDict<undefined>(false, src.size);
    for (let i = 0; i < src.size; i++) d.add(src.keyAt(i));
    return new SetObject(null, d);
  }

  /** Bytes per entry of Redis's intset encoding (int16/int32/int64), for MEMORY USAGE. */
  intsetWidth(): number {
    const n = this.size;
    if (n === 0 || this.dict !== null) return 2;
    if (this.bigs !== null) return 8;
    const lo = this.nums![0];
    const hi = this.nums![n - 1];
    if (lo >= -32768 && hi <= 32767) return 2;
    if (lo >= -2147483648 && hi <= 2147483647) return 4;
    return 8;
  }

  /**
   * Heap bytes of a hashtable set (the first members sampled, as memoryUsage): each member's
   * string and its page slot; the lookup table is off-heap (store/external.ts).
   */
  heapBytes(): number {
    const d = this.dict;
    if (d === null) return this.memoryUsage();
    const n = d.size;
    const k = Math.min(USAGE_SAMPLES, n);
    let sample = 0;
    for (let i = 0; i < k; i++) sample += v8StringSize(d.keyAt(i).length) + 8;
    return k === 0 ? 0 : Math.floor((sample / k) * n);
  }

  /**
   * What Redis's objectComputeSize reports: the robj and the intset's exact allocation, or
   * the dict's table plus the average of the first members sampled, times the size.
   */
  memoryUsage(): number {
    if (this.dict === null) return ROBJ_SIZE + jemallocSize(8 + this.size * this.intsetWidth());
    const d = this.dict;
    const n = d.size;
    let sample = 0;
    const k = Math.min(USAGE_SAMPLES, n);
    for (let i = 0; i < k; i++) sample += DICT_ENTRY_SIZE + sdsSize(d.keyAt(i).length);
    return ROBJ_SIZE + DICT_SIZE + 8 * dictSlots(n) + (k === 0 ? 0 : Math.floor((sample / k) * n));
  }
}
