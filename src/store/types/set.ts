/**
 * The set type (t_set.c). Two encodings, as Redis 7.0 reports them:
 * - `intset`: every member is a canonical int64 (string2ll accepts it); kept as one sorted
 *   typed array, so iteration is in ascending order like Redis's intset. Becomes a
 *   hashtable when a non-integer member arrives or the size exceeds set-max-intset-entries.
 * - `hashtable`: a Dict (member -> 0): O(1) membership, O(1) random member, SCAN cursor.
 * Conversion only goes one way, as in Redis (except SPOP's rebuild, which Redis also does).
 */
import { Dict } from '../dict.js';
import type { RObject } from '../database.js';
import { parseInt64 } from '../../util/numbers.js';

/** Redis limits intsets to 2^30 entries whatever set-max-intset-entries says. */
const INTSET_HARD_LIMIT = 1 << 30;

/**
 * Redis's intset: distinct int64 values in ascending order. Values live in a Float64Array
 * while all of them are within ±2^53 (exact as doubles, no BigInt on the hot path) and move
 * to a BigInt64Array once one is not.
 */
export class IntSet {
  n = 0;
  private d: Float64Array | null = new Float64Array(4);
  private b: BigInt64Array | null = null;

  get size(): number {
    return this.n;
  }

  /** Index of v, or -(insertion point) - 1. */
  search(v: number | bigint): number {
    let lo = 0;
    let hi = this.n - 1;
    if (this.d !== null) {
      const a = this.d;
      if (typeof v === 'bigint') return v < 0n ? -1 : -this.n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const x = a[mid];
        if (x < v) lo = mid + 1;
        else if (x > v) hi = mid - 1;
        else return mid;
      }
      return -lo - 1;
    }
    const a = this.b!;
    const bv = typeof v === 'bigint' ? v : BigInt(v);
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = a[mid];
      if (x < bv) lo = mid + 1;
      else if (x > bv) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  has(v: number | bigint): boolean {
    return this.search(v) >= 0;
  }

  /** Adds v; false when it was already there. */
  add(v: number | bigint): boolean {
    let i = this.search(v);
    if (i >= 0) return false;
    i = -i - 1;
    if (typeof v === 'bigint' && this.d !== null) this.toBig();
    if (this.d !== null) {
      let a = this.d;
      if (this.n === a.length) {
        const na = new Float64Array(a.length * 2);
        na.set(a);
        this.d = a = na;
      }
      a.copyWithin(i + 1, i, this.n);
      a[i] = v as number;
    } else {
      let a = this.b!;
      if (this.n === a.length) {
        const na = new BigInt64Array(a.length * 2);
        na.set(a);
        this.b = a = na;
      }
      a.copyWithin(i + 1, i, this.n);
      a[i] = typeof v === 'bigint' ? v : BigInt(v);
    }
    this.n++;
    return true;
  }

  /** Removes v; false when it was not there. */
  remove(v: number | bigint): boolean {
    const i = this.search(v);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  removeAt(i: number): void {
    if (this.d !== null) this.d.copyWithin(i, i + 1, this.n);
    else this.b!.copyWithin(i, i + 1, this.n);
    this.n--;
  }

  /** The member at index i as Redis prints it. */
  memberAt(i: number): string {
    return this.d !== null ? String(this.d[i]) : this.b![i].toString();
  }

  /** Bytes per entry of Redis's intset encoding (int16/int32/int64), for MEMORY USAGE. */
  width(): number {
    if (this.n === 0) return 2;
    const lo = this.d !== null ? this.d[0] : Number(this.b![0]);
    const hi = this.d !== null ? this.d[this.n - 1] : Number(this.b![this.n - 1]);
    if (lo >= -32768 && hi <= 32767) return 2;
    if (lo >= -2147483648 && hi <= 2147483647) return 4;
    return 8;
  }

  clone(): IntSet {
    const s = new IntSet();
    s.n = this.n;
    s.d = this.d !== null ? this.d.slice() : null;
    s.b = this.b !== null ? this.b.slice() : null;
    return s;
  }

  private toBig(): void {
    const a = this.d!;
    const nb = new BigInt64Array(Math.max(4, a.length));
    for (let i = 0; i < this.n; i++) nb[i] = BigInt(a[i]);
    this.b = nb;
    this.d = null;
  }
}

/** Member as an intset value: a number within ±2^53, a bigint beyond, null when not an int64. */
export function intsetValue(m: string): number | bigint | null {
  const c0 = m.charCodeAt(0);
  // Cheap reject before parsing: string2ll needs a digit or '-' first and at most 20 chars.
  if (m.length > 20 || !((c0 >= 48 && c0 <= 57) || c0 === 45)) return null;
  return parseInt64(m);
}

export class SetObject implements RObject {
  readonly type = 'set' as const;
  lru = 0;
  /** intset encoding, or null. */
  ints: IntSet | null;
  /** hashtable encoding (member -> 0), or null. */
  dict: Dict<number> | null;

  private constructor(ints: IntSet | null, dict: Dict<number> | null) {
    this.ints = ints;
    this.dict = dict;
  }

  /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
  static forMember(first: string): SetObject {
    return intsetValue(first) !== null ? SetObject.emptyIntset() : SetObject.emptyHashtable();
  }

  static emptyIntset(): SetObject {
    return new SetObject(new IntSet(), null);
  }

  static emptyHashtable(): SetObject {
    return new SetObject(null, new Dict<number>());
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.ints !== null ? this.ints.n : this.dict!.size;
  }

  has(m: string): boolean {
    if (this.ints !== null) {
      const v = intsetValue(m);
      return v !== null && this.ints.has(v);
    }
    return this.dict!.has(m);
  }

  /** Adds m (setTypeAdd); false when already a member. maxIntset: set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints !== null) {
      const v = intsetValue(m);
      if (v !== null) {
        if (!ints.add(v)) return false;
        if (ints.n > Math.min(maxIntset, INTSET_HARD_LIMIT)) this.toHashtable();
        return true;
      }
      this.toHashtable();
    }
    const d = this.dict!;
    if (d.has(m)) return false;
    d.add(m, 0);
    return true;
  }

  /** Removes m; false when it was not a member. */
  remove(m: string): boolean {
    if (this.ints !== null) {
      const v = intsetValue(m);
      return v !== null && this.ints.remove(v);
    }
    return this.dict!.delete(m) !== undefined;
  }

  /** The member at index i (0 <= i < size): ascending for intsets, Dict order otherwise. */
  memberAt(i: number): string {
    return this.ints !== null ? this.ints.memberAt(i) : this.dict!.keys[i];
  }

  /** Removes the member at index i (the last member moves in on hashtables). */
  removeAt(i: number): void {
    if (this.ints !== null) this.ints.removeAt(i);
    else this.dict!.delete(this.dict!.keys[i]);
  }

  /** A uniformly random index in [0, size). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  toHashtable(): void {
    const ints = this.ints;
    if (ints === null) return;
    const d = new Dict<number>();
    for (let i = 0; i < ints.n; i++) d.add(ints.memberAt(i), 0);
    this.dict = d;
    this.ints = null;
  }

  clone(): SetObject {
    if (this.ints !== null) return new SetObject(this.ints.clone(), null);
    const d = new Dict<number>();
    const keys = this.dict!.keys;
    for (let i = 0; i < keys.length; i++) d.add(keys[i], 0);
    return new SetObject(null, d);
  }

  /** Approximately what Redis's objectComputeSize reports (robj + intset / dict sample). */
  memoryUsage(): number {
    if (this.ints !== null) return 16 + 8 + this.ints.n * this.ints.width();
    const d = this.dict!;
    const n = d.size;
    let sample = 0;
    const k = Math.min(5, n);
    for (let i = 0; i < k; i++) sample += sdsAlloc(d.keys[i].length) + 24;
    const buckets = n === 0 ? 0 : 8 * 2 ** Math.ceil(Math.log2(Math.max(4, n)));
    return 16 + 96 + buckets + (k === 0 ? 0 : (sample / k) * n);
  }
}

/** jemalloc-ish size of an sds string of length len (header + NUL, rounded to 8). */
function sdsAlloc(len: number): number {
  const hdr = len < 256 ? 3 : len < 65536 ? 5 : 9;
  return (len + hdr + 1 + 7) & ~7;
}
