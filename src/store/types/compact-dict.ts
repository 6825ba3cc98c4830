/**
 * CompactDict: the dictionary of big (hashtable-encoded) hashes and sets.
 *
 * Same contract as store/dict.ts (dense `keys[]` / `vals[]`, O(1) random index, SCAN cursor
 * walking indices from the highest down, a delete moving the last entry into the hole), but
 * the key -> index lookup is an open-addressing table of 32-bit slots in Int32Arrays instead
 * of V8 Maps. A Map entry costs 3 words plus its bucket share and load-factor slack (~30-40
 * bytes); a slot here is 4 bytes at a load of 0.35-0.7 (~6-11 bytes per entry), off the JS
 * heap. Sets keep no `vals` at all. That is what brings a big hash or set near 1.5x Redis's
 * memory instead of 2.2-2.4x.
 *
 * - Slots: 0 = empty, else (tag << 28) | (index + 1), the tag being 4 more bits of the key's
 *   hash so that most probes that meet another key skip the string compare. Linear probing;
 *   deletes shift the following cluster back (no tombstones).
 * - Hash: FNV-1a over the latin1 chars from a per-process random basis, then a murmur3
 *   finaliser (the basis makes colliding key sets hard to prepare in advance).
 * - Like Dict, the table splits into SEGMENTS tables (by the hash's top bits) once it holds
 *   SPLIT_AT keys, so growing one rehashes about n/1024 keys, never the whole dict at once.
 * - keys and values live in pages of PAGE entries (pages of a JS array each) rather than
 *   two flat arrays: no x1.5 growth slack, no copy of millions of entries (and its garbage
 *   of the same size) when the dict grows; read them with keyAt()/valAt().
 * - The tables' bytes are off the V8 heap: they are counted for used_memory as every type's
 *   off-heap arrays are (store/external.ts).
 */
import { tracked } from '../external.js';

const SEG_BITS = 10;
const SEGMENTS = 1 << SEG_BITS;
const SEG_SHIFT = 32 - SEG_BITS;
const SPLIT_AT = 1 << 16;
const MIN_CAP = 8;
/** A segment's table right after the split: SPLIT_AT keys spread over SEGMENTS of them. */
const SEG_START_CAP = 128;
const IDX_MASK = (1 << 28) - 1;
/** Tag bits: below the segment bits and above any table's slot bits (tables stay < 2^18 slots). */
const TAG_SHIFT = 18;
const PAGE_BITS = 10;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

const BASIS = (Math.random() * 0x100000000) | 0 || 0x811c9dc5 | 0;

/** The 32-bit hash of a latin1 key. */
export function keyHash(key: string): number {
  let h = BASIS;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** V8 keeps typed arrays of up to 64 bytes on its heap (counted there): only bigger ones count. */
function offHeapBytes(cap: number): number {
  return cap * 4 > 64 ? cap * 4 : 0;
}

/** The value pages of every dict without values (never written). */
const NO_PAGES: never[][] = [];

/** Where the last probe ended: the segment and slot (the key's slot, or the empty slot for it). */
let pSeg = 0;
let pPos = 0;
let pTag = 0;

export class CompactDict<V> {
  /** Dense entries: index i is in page i >> PAGE_BITS of kp (and vp when the dict has values). */
  private kp: string[][] = [];
  private vp: V[][];
  private n = 0;
  /** One table until SPLIT_AT keys, then SEGMENTS. */
  private tab: Int32Array;
  /** After the split: SEGMENTS tables (tab is then unused) and their key counts. */
  private segs: Int32Array[] | null = null;
  private segCounts: number[] | null = null;
  /** Keys in each table. */
  private count = 0;

  /**
   * @param hasVals false for sets: `vals` stays empty.
   * @param expected keys about to be added (sizes the first table).
   */
  constructor(
    private readonly hasVals: boolean,
    expected = 0,
  ) {
    this.vp = hasVals ? [] : NO_PAGES;
    let cap = MIN_CAP;
    while (cap * 0.7 < expected && cap < SPLIT_AT * 2) cap *= 2;
    this.tab = tracked(new Int32Array(cap));
  }

  get size(): number {
    return this.n;
  }

  /** Index of key, or -1; either way pSeg/pPos/pTag tell where the probe ended. */
  indexOf(key: string): number {
    const h = keyHash(key);
    const segs = this.segs;
    const seg = segs === null ? 0 : h >>> SEG_SHIFT;
    const t = segs === null ? this.tab : segs[seg];
    const mask = t.length - 1;
    const tag = (h >>> TAG_SHIFT) & 15;
    const kp = this.kp;
    let p = h & mask;
    for (;;) {
      const s = t[p];
      if (s === 0) break;
      if (s >>> 28 === tag) {
        const i = (s & IDX_MASK) - 1;
        if (kp[i >> PAGE_BITS][i & PAGE_MASK] === key) {
          pSeg = seg;
          pPos = p;
          return i;
        }
      }
      p = (p + 1) & mask;
    }
    pSeg = seg;
    pPos = p;
    pTag = tag;
    return -1;
  }

  has(key: string): boolean {
    return this.indexOf(key) !== -1;
  }

  get(key: string): V | undefined {
    const i = this.indexOf(key);
    return i === -1 ? undefined : this.vp[i >> PAGE_BITS][i & PAGE_MASK];
  }

  keyAt(i: number): string {
    return this.kp[i >> PAGE_BITS][i & PAGE_MASK];
  }

  /** The value at index i (undefined in a dict without values). */
  valAt(i: number): V {
    return this.hasVals ? this.vp[i >> PAGE_BITS][i & PAGE_MASK] : (undefined as V);
  }

  setAt(i: number, v: V): void {
    this.vp[i >> PAGE_BITS][i & PAGE_MASK] = v;
  }

  private tableOf(seg: number): Int32Array {
    return this.segs === null ? this.tab : this.segs[seg];
  }

  private countOf(seg: number): number {
    return this.segCounts === null ? this.count : this.segCounts[seg];
  }

  /** Sets key to v; returns true when the key is new. */
  set(key: string, v: V): boolean {
    const i = this.indexOf(key);
    if (i !== -1) {
      this.vp[i >> PAGE_BITS][i & PAGE_MASK] = v;
      return false;
    }
    this.insertAtProbe(key, v);
    return true;
  }

  /** Adds key (with v) unless present; false, changing nothing, when it was there. */
  tryAdd(key: string, v?: V): boolean {
    if (this.indexOf(key) !== -1) return false;
    this.insertAtProbe(key, v);
    return true;
  }

  /** Adds a key known to be absent. */
  add(key: string, v?: V): void {
    this.indexOf(key);
    this.insertAtProbe(key, v);
  }

  /** Appends key at the empty slot where the last (missed) probe ended. */
  private insertAtProbe(key: string, v: V | undefined): void {
    const i = this.n;
    if (i >= IDX_MASK - 1) throw new RangeError('CompactDict full');
    const pg = i >> PAGE_BITS;
    // Pages after the first are allocated at their full size (holey arrays, filled in
    // order): no growth copies. The first grows as it fills: most sets are small.
    if (pg === this.kp.length) {
      this.kp.push(pg === 0 ? [] : new Array<string>(PAGE));
      if (this.hasVals) this.vp.push(pg === 0 ? [] : new Array<V>(PAGE));
    }
    this.kp[pg][i & PAGE_MASK] = key;
    if (this.hasVals) this.vp[pg][i & PAGE_MASK] = v as V;
    this.n = i + 1;
    const seg = pSeg;
    const segs = this.segs;
    if (segs === null) {
      const t = this.tab;
      t[pPos] = (pTag << 28) | (i + 1);
      const n = ++this.count;
      if (i + 1 >= SPLIT_AT) this.split();
      else if (n > t.length * 0.7) this.resize(0, t.length * 2);
    } else {
      const t = segs[seg];
      t[pPos] = (pTag << 28) | (i + 1);
      if (++this.segCounts![seg] > t.length * 0.7) this.resize(seg, t.length * 2);
    }
  }

  /** Deletes key; true when it was there. */
  delete(key: string): boolean {
    const i = this.indexOf(key);
    if (i === -1) return false;
    this.removeProbed(i);
    return true;
  }

  /** Deletes the entry at index i (the last entry moves into i); returns its key. */
  deleteAt(i: number): string {
    const key = this.keyAt(i);
    this.probeIndex(key, i);
    this.removeProbed(i);
    return key;
  }

  /** Points pSeg/pPos at the slot of entry i (whose key is key). */
  private probeIndex(key: string, i: number): void {
    const h = keyHash(key);
    const segs = this.segs;
    const seg = segs === null ? 0 : h >>> SEG_SHIFT;
    const t = segs === null ? this.tab : segs[seg];
    const mask = t.length - 1;
    let p = h & mask;
    while ((t[p] & IDX_MASK) !== i + 1) p = (p + 1) & mask;
    pSeg = seg;
    pPos = p;
  }

  /** Removes entry i, whose slot the last probe found, and fills its hole in keys/vals. */
  private removeProbed(i: number): void {
    const seg = pSeg;
    this.clearSlot(seg, pPos);
    const last = this.n - 1;
    const lp = last >> PAGE_BITS;
    const lo = last & PAGE_MASK;
    if (i !== last) {
      const lk = this.kp[lp][lo];
      this.probeIndex(lk, last);
      const t = this.tableOf(pSeg);
      t[pPos] = (t[pPos] & ~IDX_MASK) | (i + 1);
      this.kp[i >> PAGE_BITS][i & PAGE_MASK] = lk;
      if (this.hasVals) this.vp[i >> PAGE_BITS][i & PAGE_MASK] = this.vp[lp][lo];
    }
    // Clear the vacated slot (the strings must not stay reachable), and drop an emptied page
    // once the page before it is half empty too (no churn at a page boundary).
    (this.kp[lp] as (string | undefined)[])[lo] = undefined;
    if (this.hasVals) (this.vp[lp] as (V | undefined)[])[lo] = undefined;
    this.n = last;
    if (this.kp.length > 1 && this.kp.length - 1 > (last + PAGE / 2) >> PAGE_BITS) {
      this.kp.pop();
      if (this.hasVals) this.vp.pop();
    }
    const t = this.tableOf(seg);
    if (t.length > MIN_CAP && this.countOf(seg) < t.length >>> 3) this.resize(seg, t.length >>> 1);
  }

  /** Empties slot p of table seg, shifting back the entries of its cluster that may move. */
  private clearSlot(seg: number, p: number): void {
    const t = this.tableOf(seg);
    const mask = t.length - 1;
    let hole = p;
    for (let q = (p + 1) & mask; ; q = (q + 1) & mask) {
      const s = t[q];
      if (s === 0) break;
      const home = keyHash(this.keyAt((s & IDX_MASK) - 1)) & mask;
      // The entry may fill the hole unless its home lies cyclically in (hole, q].
      if (((q - home) & mask) >= ((q - hole) & mask)) {
        t[hole] = s;
        hole = q;
      }
    }
    t[hole] = 0;
    if (this.segCounts === null) this.count--;
    else this.segCounts[seg]--;
  }

  /** Rebuilds table seg with cap slots. */
  private resize(seg: number, cap: number): void {
    const old = this.tableOf(seg);
    const t = tracked(new Int32Array(cap));
    const mask = cap - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j];
      if (s === 0) continue;
      let p = keyHash(this.keyAt((s & IDX_MASK) - 1)) & mask;
      while (t[p] !== 0) p = (p + 1) & mask;
      t[p] = s;
    }
    if (this.segs === null) this.tab = t;
    else this.segs[seg] = t;
  }

  private split(): void {
    const tabs: Int32Array[] = [];
    const counts: number[] = [];
    for (let s = 0; s < SEGMENTS; s++) {
      tabs.push(tracked(new Int32Array(SEG_START_CAP)));
      counts.push(0);
    }
    for (let i = 0; i < this.n; i++) {
      const h = keyHash(this.keyAt(i));
      const seg = h >>> SEG_SHIFT;
      const t = tabs[seg];
      const mask = t.length - 1;
      let p = h & mask;
      while (t[p] !== 0) p = (p + 1) & mask;
      t[p] = (((h >>> TAG_SHIFT) & 15) << 28) | (i + 1);
      if (++counts[seg] > t.length * 0.7) {
        this.segs = tabs;
        this.resize(seg, t.length * 2);
      }
    }
    this.segs = tabs;
    this.segCounts = counts;
    this.tab = tabs[0]; // drop the old table (tab is unused from here on)
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
    let bytes = 0;
    for (const t of this.segs ?? [this.tab]) bytes += offHeapBytes(t.length);
    return bytes;
  }

  /** Checks the table invariants (tests): every entry found at its index, counts right. */
  check(): string | null {
    let total = 0;
    const tabs = this.segs ?? [this.tab];
    for (let s = 0; s < tabs.length; s++) {
      let c = 0;
      for (const v of tabs[s]) if (v !== 0) c++;
      if (c !== this.countOf(s)) return `segment ${s}: ${c} slots used, count ${this.countOf(s)}`;
      total += c;
    }
    if (total !== this.n) return `${total} slots used for ${this.n} keys`;
    for (let i = 0; i < this.n; i++)
      if (this.indexOf(this.keyAt(i)) !== i) return `key ${i} not found at its index`;
    const pages = this.kp.length;
    if (pages < this.n / PAGE || pages > (this.n >> PAGE_BITS) + 2)
      return `${pages} pages for ${this.n} keys`;
    if (this.hasVals && this.vp.length !== pages) return 'value pages out of step';
    const next = this.kp[this.n >> PAGE_BITS];
    if (next !== undefined && next[this.n & PAGE_MASK] !== undefined)
      return 'a vacated slot still holds a key';
    return null;
  }
}
