/**
 * Dict: the dictionary under the keyspace (and big hashes, sets, zset member maps).
 *
 * A plain `Map` falls short of what Redis needs in three ways, so Dict wraps it:
 * - Size: a V8 Map holds at most 2^24 entries. Dict starts with one Map and, when it reaches
 *   `segmentLimit` entries, spreads the index over SEGMENTS Maps chosen by a hash of the key.
 * - O(1) random entry (RANDOMKEY, SPOP, eviction and expiry sampling): Maps map a key to an
 *   index into dense `keys[]` / `vals[]` arrays; a delete moves the last entry into the hole.
 * - SCAN's guarantee: a cursor walks indices from the highest down. Entries only ever move
 *   downwards (into holes), so an entry present for the whole scan is always met; an entry
 *   that moves below the cursor may be returned twice, which SCAN allows.
 *
 * Keys are latin1 strings (one char per byte). Numbers in `vals` stay unboxed (a number
 * column is a double array in V8), and small-integer values are not heap objects at all.
 */

const SEGMENTS = 64;
/** V8's Map limit is 2^24; split well before it. */
export const DEFAULT_SEGMENT_LIMIT = 1 << 23;

/** FNV-1a over the latin1 chars: picks a segment once the Dict is split. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Dict<V> {
  /** key -> index; one Map until segmentLimit, then SEGMENTS Maps by hash. */
  private map: Map<string, number> | null = new Map();
  private segments: Map<string, number>[] | null = null;
  keys: string[] = [];
  vals: V[] = [];

  constructor(private readonly segmentLimit = DEFAULT_SEGMENT_LIMIT) {}

  get size(): number {
    return this.keys.length;
  }

  /** Index of key in keys[]/vals[], or -1. */
  indexOf(key: string): number {
    const i = this.map !== null ? this.map.get(key) : this.segments![hashKey(key) % SEGMENTS].get(key);
    return i === undefined ? -1 : i;
  }

  has(key: string): boolean {
    return this.indexOf(key) !== -1;
  }

  get(key: string): V | undefined {
    const i = this.map !== null ? this.map.get(key) : this.segments![hashKey(key) % SEGMENTS].get(key);
    return i === undefined ? undefined : this.vals[i];
  }

  /** Sets key to v; returns true when the key is new. */
  set(key: string, v: V): boolean {
    const i = this.indexOf(key);
    if (i !== -1) {
      this.vals[i] = v;
      return false;
    }
    this.add(key, v);
    return true;
  }

  /** Adds a key known to be absent. */
  add(key: string, v: V): void {
    const idx = this.keys.length;
    if (this.map !== null) {
      if (this.map.size >= this.segmentLimit) this.split();
    }
    if (this.map !== null) this.map.set(key, idx);
    else this.segments![hashKey(key) % SEGMENTS].set(key, idx);
    this.keys.push(key);
    this.vals.push(v);
  }

  setAt(i: number, v: V): void {
    this.vals[i] = v;
  }

  /** Deletes key; returns the removed value or undefined. */
  delete(key: string): V | undefined {
    const i = this.indexOf(key);
    if (i === -1) return undefined;
    const v = this.vals[i];
    this.removeAt(i, key);
    return v;
  }

  /** Removes the entry at index i (whose key is `key`), moving the last entry into the hole. */
  private removeAt(i: number, key: string): void {
    const last = this.keys.length - 1;
    const segs = this.segments;
    if (this.map !== null) this.map.delete(key);
    else segs![hashKey(key) % SEGMENTS].delete(key);
    if (i !== last) {
      const lk = this.keys[last];
      this.keys[i] = lk;
      this.vals[i] = this.vals[last];
      if (this.map !== null) this.map.set(lk, i);
      else segs![hashKey(lk) % SEGMENTS].set(lk, i);
    }
    this.keys.pop();
    this.vals.pop();
  }

  clear(): void {
    this.map = new Map();
    this.segments = null;
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
   * Visits at least `count` slots (fewer at the end), calling fn for each entry.
   * The cursor is (next index to visit) + 1.
   */
  scan(cursor: number, count: number, fn: (key: string, v: V) => void): number {
    let i = cursor === 0 ? this.keys.length - 1 : Math.min(cursor - 1, this.keys.length - 1);
    for (let n = 0; n < count && i >= 0; n++, i--) fn(this.keys[i], this.vals[i]);
    return i < 0 ? 0 : i + 1;
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i], this.vals[i]];
  }

  private split(): void {
    const segs: Map<string, number>[] = [];
    for (let s = 0; s < SEGMENTS; s++) segs.push(new Map());
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      segs[hashKey(k) % SEGMENTS].set(k, i);
    }
    this.segments = segs;
    this.map = null;
  }
}
