/**
 * CompactDict: the dictionary of big (hashtable-encoded) hashes and sets.
 *
 * Same contract as store/dict.ts (dense entries, O(1) random index, SCAN cursor walking
 * indices from the highest down, a delete moving the last entry into the hole) and the same
 * key -> index lookup, an open-addressing table of 32-bit slots off the V8 heap
 * (store/key-table.ts: ~6-11 bytes per entry against ~30-40 for a V8 Map entry). What
 * differs is the entry storage, tuned for memory: sets keep no values at all, and keys and
 * values live in pages of PAGE entries (a JS array each, a hash's value right after its key,
 * so a lookup that reads the key finds the value in the same cache line) rather than flat
 * arrays: no x1.5 growth slack, no copy of millions of entries (and its garbage of the same
 * size) when the dict grows; read them with keyAt()/valAt(). That is what brings a big hash
 * or set near 1.5x Redis's memory instead of 2.2-2.4x.
 */
import { KeyTable } from '../key-table.js';

const PAGE_BITS = 10;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

export class CompactDict<V> {
  /**
   * Dense entries: entry i is in page i >> PAGE_BITS, at (i & PAGE_MASK) << shift: its key,
   * and in a dict with values its value right after it (shift 1), else the key alone.
   */
  private pages: unknown[][] = [];
  private readonly shift: number;
  private n = 0;
  /** key -> index (store/key-table.ts). */
  private readonly table: KeyTable;

  /**
   * @param hasVals false for sets: `vals` stays empty.
   * @param expected keys about to be added (sizes the first table).
   */
  constructor(
    private readonly hasVals: boolean,
    expected = 0,
  ) {
    this.shift = hasVals ? 1 : 0;
    this.table = new KeyTable(this, expected, undefined, undefined, 'CompactDict');
  }

  get size(): number {
    return this.n;
  }

  /** Index of key, or -1. */
  indexOf(key: string): number {
    return this.table.find(key);
  }

  has(key: string): boolean {
    return this.indexOf(key) !== -1;
  }

  get(key: string): V | undefined {
    const i = this.indexOf(key);
    return i === -1 ? undefined : (this.pages[i >> PAGE_BITS][((i & PAGE_MASK) << 1) + 1] as V);
  }

  keyAt(i: number): string {
    return this.pages[i >> PAGE_BITS][(i & PAGE_MASK) << this.shift] as string;
  }

  /** The value at index i (undefined in a dict without values). */
  valAt(i: number): V {
    return this.hasVals ? (this.pages[i >> PAGE_BITS][((i & PAGE_MASK) << 1) + 1] as V) : (undefined as V);
  }

  setAt(i: number, v: V): void {
    this.pages[i >> PAGE_BITS][((i & PAGE_MASK) << 1) + 1] = v;
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

  /** Adds key (with v) unless present; false, changing nothing, when it was there. */
  tryAdd(key: string, v?: V): boolean {
    if (this.table.find(key) !== -1) return false;
    this.insertAtProbe(key, v);
    return true;
  }

  /** Adds a key known to be absent. */
  add(key: string, v?: V): void {
    this.table.find(key);
    this.insertAtProbe(key, v);
  }

  /** Appends key at the empty slot where the last (missed) probe ended. */
  private insertAtProbe(key: string, v: V | undefined): void {
    const i = this.n;
    const grow = this.table.insertAtProbe(i);
    const pg = i >> PAGE_BITS;
    // Pages after the first are allocated at their full size (holey arrays, filled in
    // order): no growth copies. The first grows as it fills: most sets are small.
    if (pg === this.pages.length) this.pages.push(pg === 0 ? [] : new Array<unknown>(PAGE << this.shift));
    const page = this.pages[pg];
    const j = (i & PAGE_MASK) << this.shift;
    page[j] = key;
    if (this.hasVals) page[j + 1] = v;
    this.n = i + 1;
    if (grow) this.table.grow();
  }

  /** Deletes key; true when it was there. */
  delete(key: string): boolean {
    const i = this.table.find(key);
    if (i === -1) return false;
    this.removeProbed(i);
    return true;
  }

  /** Deletes the entry at index i (the last entry moves into i); returns its key. */
  deleteAt(i: number): string {
    const key = this.keyAt(i);
    this.table.probeIndex(key, i);
    this.removeProbed(i);
    return key;
  }

  /** Removes entry i, whose slot the last probe found, and fills its hole in keys/vals. */
  private removeProbed(i: number): void {
    this.table.removeAtProbe();
    const last = this.n - 1;
    const from = this.pages[last >> PAGE_BITS];
    const lo = (last & PAGE_MASK) << this.shift;
    if (i !== last) {
      const lk = from[lo] as string;
      this.table.moveIndex(lk, last, i);
      const to = this.pages[i >> PAGE_BITS];
      const j = (i & PAGE_MASK) << this.shift;
      to[j] = lk;
      if (this.hasVals) to[j + 1] = from[lo + 1];
    }
    // Clear the vacated slot (the strings must not stay reachable), and drop an emptied page
    // once the page before it is half empty too (no churn at a page boundary).
    from[lo] = undefined;
    if (this.hasVals) from[lo + 1] = undefined;
    this.n = last;
    if (this.pages.length > 1 && this.pages.length - 1 > (last + PAGE / 2) >> PAGE_BITS) this.pages.pop();
  }

  /** A uniformly random index, or -1 when empty. */
  randomIndex(): number {
    const n = this.n;
    return n === 0 ? -1 : Math.floor(Math.random() * n);
  }

  /**
   * One SCAN step, exactly as Dict.scan: cursor 0 starts, the returned cursor is 0 when
   * done; visits `count` entries from the highest index down. Entries only move downwards
   * (into holes) and new ones are appended above, so one present throughout is always met.
   */
  scan(cursor: number, count: number, fn: (key: string, v: V) => void): number {
    const top = this.n - 1;
    let i = cursor === 0 || cursor - 1 > top ? top : cursor - 1;
    for (let n = 0; n < count && i >= 0; n++, i--) fn(this.keyAt(i), this.valAt(i));
    return i < 0 ? 0 : i + 1;
  }

  /** Off-heap bytes of the live lookup tables (for tests and estimates). */
  tableBytes(): number {
    return this.table.tableBytes();
  }

  /** Checks the table invariants (tests): every entry found at its index, counts right. */
  check(): string | null {
    const bad = this.table.check(this.n);
    if (bad !== null) return bad;
    const pages = this.pages.length;
    if (pages < this.n / PAGE || pages > (this.n >> PAGE_BITS) + 2)
      return `${pages} pages for ${this.n} keys`;
    const next = this.pages[this.n >> PAGE_BITS];
    if (next !== undefined && next[(this.n & PAGE_MASK) << this.shift] !== undefined)
      return 'a vacated slot still holds a key';
    if (this.hasVals && next !== undefined && next[((this.n & PAGE_MASK) << 1) + 1] !== undefined)
      return 'a vacated slot still holds a value';
    return null;
  }
}
