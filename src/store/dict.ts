/**
 * Dict: the dictionary under the keyspace (and big hashes, sets, zset member maps).
 *
 * A plain `Map` falls short of what Redis needs in three ways, so Dict wraps it:
 * - Size: a V8 Map holds at most 2^24 entries. Dict starts with one Map and, once it holds
 *   SPLIT_AT entries (or `segmentLimit`, if smaller), spreads its index over SEGMENTS Maps
 *   chosen by a hash of the key: room for SEGMENTS * 2^24 keys, more than the dense arrays
 *   below can hold (V8 caps an array at ~2^27 elements on 64-bit).
 *   Splitting early also bounds stalls: a Map grows by rehashing all its entries at once
 *   (about a second at 8M entries on a busy 2-core machine), so no single Map gets big.
 * - O(1) random entry (RANDOMKEY, SPOP, eviction and expiry sampling): Maps map a key to an
 *   index into dense `keys[]` / `vals[]` arrays; a delete moves the last entry into the hole.
 * - SCAN's guarantee: a cursor walks indices from the highest down. Entries only ever move
 *   downwards (into holes) and new ones are appended above every live cursor, so an entry
 *   present for the whole scan is always met; one that moves below the cursor may be
 *   returned twice, which SCAN allows.
 *
 * Keys are latin1 strings (one char per byte). Numbers in `vals` stay unboxed (a number
 * column is a double array in V8), and small-integer values are not heap objects at all.
 *
 * Known cost: `keys[]`/`vals[]` grow by copying (x1.5), so growing past ~10M entries takes
 * a noticeable pause; read entries through keyAt()/valAt() so a paged layout can replace
 * the arrays later without touching callers.
 */

const SEGMENT_BITS = 10;
const SEGMENTS = 1 << SEGMENT_BITS;
const SEGMENT_SHIFT = 32 - SEGMENT_BITS;
/** Split the single Map at this many entries: a one-time rebuild of a few ms. */
const SPLIT_AT = 1 << 16;
/** V8's Map limit. */
export const MAP_MAX_ENTRIES = 1 << 24;
/** Default for the `segmentLimit` constructor argument (how many entries one Map may hold). */
export const DEFAULT_SEGMENT_LIMIT = MAP_MAX_ENTRIES;

/**
 * FNV-1a over every latin1 char of the key; the segment is taken from the top bits, which
 * the final multiply mixes from all of them. Every char counts: keys that share long
 * prefixes and suffixes (`app:prod:user:<id>:preferences`) must still spread evenly.
 */
function segmentOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> SEGMENT_SHIFT;
}

export class Dict<V> {
  /** key -> index; one Map until the split, then SEGMENTS Maps by hash. */
  private map: Map<string, number> | null = new Map();
  private segments: Map<string, number>[] | null = null;
  private readonly splitAt: number;
  /** The last key whose segment was computed, and that segment: a lookup followed by an
   * insert or delete of the same key (the usual pattern) hashes it once. */
  private lastKey: string | null = null;
  private lastSeg: Map<string, number> | null = null;
  /** Dense entries: index i holds keys[i] -> vals[i]. Mutate only through Dict methods. */
  keys: string[] = [];
  vals: V[] = [];
  /**
   * Snapshot hook (persistence/snapshot.ts): called when a delete empties slot `to`, with the
   * key of the last entry that moves into it (null when the deleted entry was the last) and
   * the index it came from, which is also the new size.
   */
  onMove: ((key: string | null, from: number, to: number) => void) | null = null;

  /**
   * @param segmentLimit most entries one internal Map may hold (V8's 2^24); tests pass a
   *   small value to exercise the split. The Dict splits at min(segmentLimit, 65536).
   */
  constructor(private readonly segmentLimit = DEFAULT_SEGMENT_LIMIT) {
    this.splitAt = Math.max(1, Math.min(segmentLimit, SPLIT_AT));
  }

  get size(): number {
    return this.keys.length;
  }

  private mapFor(key: string): Map<string, number> {
    if (this.map !== null) return this.map;
    if (key === this.lastKey) return this.lastSeg!;
    const m = this.segments![segmentOf(key)];
    this.lastKey = key;
    this.lastSeg = m;
    return m;
  }

  /** Index of key in keys[]/vals[], or -1. */
  indexOf(key: string): number {
    const i = this.mapFor(key).get(key);
    return i === undefined ? -1 : i;
  }

  has(key: string): boolean {
    return this.mapFor(key).has(key);
  }

  get(key: string): V | undefined {
    const i = this.mapFor(key).get(key);
    return i === undefined ? undefined : this.vals[i];
  }

  keyAt(i: number): string {
    return this.keys[i];
  }

  valAt(i: number): V {
    return this.vals[i];
  }

  setAt(i: number, v: V): void {
    this.vals[i] = v;
  }

  /** Sets key to v; returns true when the key is new. */
  set(key: string, v: V): boolean {
    const m = this.mapFor(key);
    const i = m.get(key);
    if (i !== undefined) {
      this.vals[i] = v;
      return false;
    }
    this.insert(m, key, v);
    return true;
  }

  /** Adds a key known to be absent. */
  add(key: string, v: V): void {
    this.insert(this.mapFor(key), key, v);
  }

  private insert(m: Map<string, number>, key: string, v: V): void {
    if (this.map !== null && this.map.size >= this.splitAt) {
      this.split();
      m = this.segments![segmentOf(key)];
    } else if (m.size >= this.segmentLimit) {
      // Only reachable with a pathological hash spread or a tiny test limit: fail loudly
      // instead of letting V8 throw deep inside a Map.
      throw new RangeError('Dict segment full');
    }
    m.set(key, this.keys.length);
    this.keys.push(key);
    this.vals.push(v);
  }

  /**
   * Adds key unless present, with one hash lookup (bulk loading); returns false, changing
   * nothing, when the key was already there.
   */
  tryAdd(key: string, v: V): boolean {
    let m = this.mapFor(key);
    if (this.map !== null && this.map.size >= this.splitAt) {
      this.split();
      m = this.segments![segmentOf(key)];
    }
    const before = m.size;
    const i = this.keys.length;
    m.set(key, i);
    if (m.size === before) {
      // Present: put its index back (it was overwritten by i).
      for (let j = 0; j < i; j++) {
        if (this.keys[j] === key) {
          m.set(key, j);
          break;
        }
      }
      return false;
    }
    this.keys.push(key);
    this.vals.push(v);
    return true;
  }

  /** Deletes key; returns the removed value or undefined. */
  delete(key: string): V | undefined {
    const m = this.mapFor(key);
    const i = m.get(key);
    if (i === undefined) return undefined;
    const v = this.vals[i];
    m.delete(key);
    this.fillHole(i);
    return v;
  }

  /** Deletes the entry at index i (moving the last entry into it); returns its key. */
  deleteAt(i: number): string {
    const key = this.keys[i];
    this.mapFor(key).delete(key);
    this.fillHole(i);
    return key;
  }

  /** Moves the last entry into the (already unindexed) slot i and shrinks the arrays. */
  private fillHole(i: number): void {
    const last = this.keys.length - 1;
    if (this.onMove !== null) this.onMove(i !== last ? this.keys[last] : null, last, i);
    if (i !== last) {
      const lk = this.keys[last];
      this.keys[i] = lk;
      this.vals[i] = this.vals[last];
      this.mapFor(lk).set(lk, i);
    }
    this.keys.pop();
    this.vals.pop();
  }

  clear(): void {
    this.map = new Map();
    this.segments = null;
    this.lastKey = null;
    this.lastSeg = null;
    this.keys = [];
    this.vals = [];
  }

  /** A uniformly random index, or -1 when empty. */
  randomIndex(): number {
    const n = this.keys.length;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  randomKey(): string | undefined {
    const i = this.randomIndex();
    return i === -1 ? undefined : this.keys[i];
  }

  /**
   * One SCAN step. `cursor` 0 starts; the returned cursor is 0 when the scan is done.
   * Visits `count` entries (fewer at the end), from the highest index down, calling fn for
   * each. A cursor is (next index to visit) + 1, so it is never 0 mid-scan; a cursor above
   * the current size (the Dict shrank, or a made-up cursor) resumes from the top.
   */
  scan(cursor: number, count: number, fn: (key: string, v: V) => void): number {
    const top = this.keys.length - 1;
    let i = cursor === 0 || cursor - 1 > top ? top : cursor - 1;
    for (let n = 0; n < count && i >= 0; n++, i--) fn(this.keys[i], this.vals[i]);
    return i < 0 ? 0 : i + 1;
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i], this.vals[i]];
  }

  /** Sizes of the internal Maps (tests check that none outgrows the segment limit). */
  mapSizes(): number[] {
    if (this.map !== null) return [this.map.size];
    return this.segments!.map((m) => m.size);
  }

  private split(): void {
    const segs: Map<string, number>[] = [];
    for (let s = 0; s < SEGMENTS; s++) segs.push(new Map());
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) segs[segmentOf(keys[i])].set(keys[i], i);
    this.segments = segs;
    this.map = null;
  }
}
