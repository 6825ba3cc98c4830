/**
 * Dict: the dictionary under the keyspace (the main dict and the expires dict of each
 * database).
 *
 * - Lookup: key -> index in an open-addressing table of 32-bit slots off the V8 heap,
 *   shared with CompactDict (store/key-table.ts). Compared with a V8 Map it costs ~6-11
 *   bytes per key instead of ~30-40 and a lookup is cheaper; it holds up to 2^28 keys (an
 *   insert past that throws a RangeError). Past SPLIT_AT keys (or `segmentLimit`, if
 *   smaller) the table splits into 1,024 tables by hash, so growing rehashes ~n/1024 keys,
 *   never the whole keyspace at once.
 * - O(1) random entry (RANDOMKEY, SPOP, eviction and expiry sampling): the table maps a key
 *   to a dense index 0..size-1 (entry i: keyAt(i) -> valAt(i)); a delete moves the last
 *   entry into the hole.
 * - The entries live in pages of PAGE_SIZE keys and values (plain JS arrays), so growing
 *   never copies the whole keyspace: one flat array of 10M entries grew by copying 10-15M
 *   slots at once, a 0.5-1.2 s pause at each step.
 * - SCAN's guarantee: a cursor walks indices from the highest down. Entries only ever move
 *   downwards (into holes) and new ones are appended above every live cursor, so an entry
 *   present for the whole scan is always met; one that moves below the cursor may be
 *   returned twice, which SCAN allows.
 *
 * Keys are latin1 strings (one char per byte). Values that are small integers (string
 * handles) are not heap objects at all.
 */
import { KeyTable, MAX_KEYS } from './key-table.js';

/** Default for the `segmentLimit` constructor argument (most entries one table may hold). */
export const DEFAULT_SEGMENT_LIMIT = MAX_KEYS;

const PAGE_SHIFT = 16;
/** Entries per page: a page's own growth copies at most this many slots. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;

export class Dict<V> {
  /** key -> dense index. */
  private table: KeyTable;
  /** Entry i is keyPages[i >>> PAGE_SHIFT][i & PAGE_MASK] (same for the values). */
  private keyPages: string[][] = [[]];
  private valPages: V[][] = [[]];
  private count = 0;
  /**
   * Snapshot hook (persistence/snapshot.ts): called when a delete empties slot `to`, with the
   * key of the last entry that moves into it (null when the deleted entry was the last) and
   * the index it came from, which is also the new size.
   */
  onMove: ((key: string | null, from: number, to: number) => void) | null = null;

  /**
   * @param segmentLimit most entries one internal table may hold (an insert past it throws a
   *   RangeError); tests pass a small value to exercise the split. The Dict splits at
   *   min(segmentLimit, 65536).
   */
  constructor(private readonly segmentLimit = DEFAULT_SEGMENT_LIMIT) {
    this.table = this.newTable();
  }

  private newTable(): KeyTable {
    return new KeyTable(this, 0, this.segmentLimit, this.segmentLimit, 'Dict');
  }

  get size(): number {
    return this.count;
  }

  /** Dense index of key, or -1. */
  indexOf(key: string): number {
    return this.table.find(key);
  }

  has(key: string): boolean {
    return this.table.find(key) !== -1;
  }

  get(key: string): V | undefined {
    const i = this.table.find(key);
    return i === -1 ? undefined : this.valAt(i);
  }

  keyAt(i: number): string {
    return this.keyPages[i >>> PAGE_SHIFT][i & PAGE_MASK];
  }

  valAt(i: number): V {
    return this.valPages[i >>> PAGE_SHIFT][i & PAGE_MASK];
  }

  setAt(i: number, v: V): void {
    this.valPages[i >>> PAGE_SHIFT][i & PAGE_MASK] = v;
  }

  /** Sets key to v; returns true when the key is new. */
  set(key: string, v: V): boolean {
    const i = this.table.find(key);
    if (i !== -1) {
      this.setAt(i, v);
      return false;
    }
    this.insertAtProbe(key, v);
    return true;
  }

  /** Adds a key known to be absent. */
  add(key: string, v: V): void {
    this.table.find(key);
    this.insertAtProbe(key, v);
  }

  /**
   * Adds key unless present, with one hash lookup (bulk loading); returns false, changing
   * nothing, when the key was already there.
   */
  tryAdd(key: string, v: V): boolean {
    if (this.table.find(key) !== -1) return false;
    this.insertAtProbe(key, v);
    return true;
  }

  /** Appends key at the empty slot where the last (missed) find ended. */
  private insertAtProbe(key: string, v: V): void {
    const n = this.count;
    const grow = this.table.insertAtProbe(n);
    const p = n >>> PAGE_SHIFT;
    if (p === this.keyPages.length) {
      this.keyPages.push([]);
      this.valPages.push([]);
    }
    this.keyPages[p].push(key);
    this.valPages[p].push(v);
    this.count = n + 1;
    if (grow) this.table.grow();
  }

  /** Deletes key; returns the removed value or undefined. */
  delete(key: string): V | undefined {
    const i = this.table.find(key);
    if (i === -1) return undefined;
    const v = this.valAt(i);
    this.table.removeAtProbe();
    this.fillHole(i);
    return v;
  }

  /** Deletes the entry at index i (moving the last entry into it); returns its key. */
  deleteAt(i: number): string {
    const key = this.keyAt(i);
    this.table.probeIndex(key, i);
    this.table.removeAtProbe();
    this.fillHole(i);
    return key;
  }

  /** Moves the last entry into the (already unindexed) slot i and drops the last slot. */
  private fillHole(i: number): void {
    const last = this.count - 1;
    const lp = last >>> PAGE_SHIFT;
    const keys = this.keyPages[lp];
    const vals = this.valPages[lp];
    if (this.onMove !== null) this.onMove(i !== last ? keys[keys.length - 1] : null, last, i);
    const lk = keys.pop()!;
    const lv = vals.pop()!;
    if (i !== last) {
      this.keyPages[i >>> PAGE_SHIFT][i & PAGE_MASK] = lk;
      this.setAt(i, lv);
      this.table.moveIndex(lk, last, i);
    }
    // An emptied page goes (the first stays).
    if (keys.length === 0 && lp > 0) {
      this.keyPages.pop();
      this.valPages.pop();
    }
    this.count = last;
  }

  /** Sizes an empty dict for n keys (RDB loading's RESIZEDB); no effect on a non-empty one. */
  reserve(n: number): void {
    if (this.count === 0) this.table.reserve(Math.min(n, this.segmentLimit));
  }

  clear(): void {
    this.table = this.newTable();
    this.keyPages = [[]];
    this.valPages = [[]];
    this.count = 0;
  }

  /** A uniformly random index, or -1 when empty. */
  randomIndex(): number {
    const n = this.count;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  randomKey(): string | undefined {
    const i = this.randomIndex();
    return i === -1 ? undefined : this.keyAt(i);
  }

  /**
   * One SCAN step. `cursor` 0 starts; the returned cursor is 0 when the scan is done.
   * Visits `count` entries (fewer at the end), from the highest index down, calling fn for
   * each. A cursor is (next index to visit) + 1, so it is never 0 mid-scan; a cursor above
   * the current size (the Dict shrank, or a made-up cursor) resumes from the top.
   */
  scan(cursor: number, count: number, fn: (key: string, v: V) => void): number {
    const top = this.count - 1;
    let i = cursor === 0 || cursor - 1 > top ? top : cursor - 1;
    for (let n = 0; n < count && i >= 0; n++, i--) fn(this.keyAt(i), this.valAt(i));
    return i < 0 ? 0 : i + 1;
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.count; i++) yield [this.keyAt(i), this.valAt(i)];
  }

  /** Keys in each internal table (tests check that none outgrows the segment limit). */
  mapSizes(): number[] {
    return this.table.tableSizes();
  }

  /** Off-heap bytes of the lookup tables (tests, estimates). */
  tableBytes(): number {
    return this.table.tableBytes();
  }

  /** Checks the lookup table's invariants (tests); null when sound. */
  check(): string | null {
    return this.table.check(this.count);
  }
}
