/**
 * KeyTable: the key -> index lookup shared by Dict (the keyspace) and CompactDict (big
 * hashes and sets). The owner keeps its keys in dense storage (index i holds one key) and
 * hands the table a KeySource to read them; the table stores only 32-bit slots.
 *
 * - Slots live in Int32Arrays off the V8 heap (counted for used_memory, store/external.ts):
 *   0 = empty, else (tag << 28) | (index + 1), the tag being 4 more bits of the key's hash
 *   so that most probes that meet another key skip the string compare. Linear probing at a
 *   load of 0.35-0.7 (~6-11 bytes per key, against ~30-40 for a V8 Map entry); deletes shift
 *   the following cluster back (no tombstones). A byte per slot beside it holds the entry's
 *   distance from its home slot (255: 255 or more), so that the shift reads no key: rehashing
 *   each key of the cluster cost two cache misses (the key's index entry, its string) per key.
 * - Hash: FNV-1a over the latin1 chars from a per-process random basis, then a murmur3
 *   finaliser (the basis makes colliding key sets hard to prepare in advance).
 * - One table until `splitAt` keys, then SEGMENTS tables chosen by the hash's top bits: a
 *   table grows by rehashing its own keys only (about n/1024), never the whole dict at once.
 *
 * Protocol: a lookup (find / probeIndex) leaves where it ended in module state, which the
 * next call on the same table consumes (insertAtProbe, removeAtProbe). Everything is
 * synchronous, so nothing can probe another table in between unless the caller does.
 */
import { tracked } from './external.js';

/** Reads the key at a dense index; the owner of a table implements it. */
export interface KeySource {
  keyAt(i: number): string;
}

const SEG_BITS = 10;
const SEGMENTS = 1 << SEG_BITS;
const SEG_SHIFT = 32 - SEG_BITS;
/** Default split point: a one-time rebuild of a few ms. */
export const SPLIT_AT = 1 << 16;
const MIN_CAP = 8;
const IDX_MASK = (1 << 28) - 1;
/** Most keys a table can index (the slot holds index + 1 in 28 bits). */
export const MAX_KEYS = IDX_MASK - 1;
/** Tag bits: below the segment bits and above any table's slot bits (tables stay < 2^18 slots). */
const TAG_SHIFT = 18;

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

/** Where the last probe ended: the segment and slot (the key's slot, or the empty slot for it). */
let pSeg = 0;
let pPos = 0;
let pTag = 0;
/** The home slot of the key of the last missed find. */
let pHome = 0;

/** The distance byte of an entry at slot p whose home is `home` (255 = 255 or more). */
function distByte(p: number, home: number, mask: number): number {
  const d = (p - home) & mask;
  return d < 255 ? d : 255;
}

export class KeyTable {
  /** One table until the split (then unused). */
  private tab: Int32Array;
  /** Each slot's distance byte (see distByte), for tab and for each of segs. */
  private tabDist: Uint8Array;
  /** After the split: SEGMENTS tables and their key counts. */
  private segs: Int32Array[] | null = null;
  private segDist: Uint8Array[] | null = null;
  private segCounts: number[] | null = null;
  /** Keys in the single table. */
  private count = 0;
  private readonly splitAt: number;
  /** A segment's capacity right after the split (load <= 0.5 on average). */
  private readonly segStartCap: number;

  /**
   * @param src the owner's keys.
   * @param expected keys about to be added (sizes the first table).
   * @param splitAt split into SEGMENTS tables at this many keys (at most SPLIT_AT).
   * @param segLimit most keys one segment may hold; an insert past it throws (tests scale
   *   it down; the Dict's former Map segments had V8's 2^24 limit).
   * @param name for the RangeError messages.
   */
  constructor(
    private readonly src: KeySource,
    expected = 0,
    splitAt = SPLIT_AT,
    private readonly segLimit = MAX_KEYS,
    private readonly name = 'KeyTable',
  ) {
    this.splitAt = Math.max(1, Math.min(splitAt, SPLIT_AT));
    let sc = MIN_CAP;
    while (sc * 0.5 < this.splitAt / SEGMENTS) sc *= 2;
    this.segStartCap = sc;
    this.tab = this.firstTable(expected);
    this.tabDist = tracked(new Uint8Array(this.tab.length));
  }

  private firstTable(expected: number): Int32Array {
    let cap = MIN_CAP;
    while (cap * 0.7 < expected && cap < this.splitAt * 2) cap *= 2;
    return tracked(new Int32Array(cap));
  }

  /** Index of key, or -1; either way the probe state tells where the probe ended. */
  find(key: string): number {
    const h = keyHash(key);
    const segs = this.segs;
    const seg = segs === null ? 0 : h >>> SEG_SHIFT;
    const t = segs === null ? this.tab : segs[seg];
    const mask = t.length - 1;
    const tag = (h >>> TAG_SHIFT) & 15;
    const src = this.src;
    let p = h & mask;
    for (;;) {
      const s = t[p];
      if (s === 0) break;
      if (s >>> 28 === tag) {
        const i = (s & IDX_MASK) - 1;
        if (src.keyAt(i) === key) {
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
    pHome = h & mask;
    return -1;
  }

  /**
   * Indexes entry i (the next dense index) at the empty slot where the last (missed) find
   * ended. Throws a RangeError, changing nothing, when the table is full. Returns true when
   * the table must grow: the caller stores key i in its source, then calls grow().
   */
  insertAtProbe(i: number): boolean {
    if (i >= MAX_KEYS) throw new RangeError(`${this.name} full`);
    const segs = this.segs;
    if (segs === null) {
      const t = this.tab;
      t[pPos] = (pTag << 28) | (i + 1);
      this.tabDist[pPos] = distByte(pPos, pHome, t.length - 1);
      const n = ++this.count;
      return n >= this.splitAt || n > t.length * 0.7;
    }
    const counts = this.segCounts!;
    const seg = pSeg;
    if (counts[seg] >= this.segLimit) throw new RangeError(`${this.name} segment full`);
    const t = segs[seg];
    t[pPos] = (pTag << 28) | (i + 1);
    this.segDist![seg][pPos] = distByte(pPos, pHome, t.length - 1);
    return ++counts[seg] > t.length * 0.7;
  }

  /** Grows the table of the last insertAtProbe (which returned true): splits or doubles. */
  grow(): void {
    if (this.segs === null) {
      if (this.count >= this.splitAt) this.split();
      else this.resize(0, this.tab.length * 2);
    } else {
      const seg = pSeg;
      this.resize(seg, this.segs[seg].length * 2);
    }
  }

  /** Points the probe state at the slot of entry i (whose key is key). */
  probeIndex(key: string, i: number): void {
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

  /** Relabels entry `from` (whose key is key) as index `to` (the owner moved it there). */
  moveIndex(key: string, from: number, to: number): void {
    this.probeIndex(key, from);
    const t = this.segs === null ? this.tab : this.segs[pSeg];
    t[pPos] = (t[pPos] & ~IDX_MASK) | (to + 1);
  }

  /**
   * Unindexes the entry whose slot the last find/probeIndex found, and shrinks a sparse
   * table. Every other indexed key must still be readable from the source.
   */
  removeAtProbe(): void {
    const seg = pSeg;
    const t = this.segs === null ? this.tab : this.segs[seg];
    const dt = this.segs === null ? this.tabDist : this.segDist![seg];
    const mask = t.length - 1;
    const src = this.src;
    let hole = pPos;
    for (let q = (hole + 1) & mask; ; q = (q + 1) & mask) {
      const s = t[q];
      if (s === 0) break;
      let d = dt[q];
      if (d === 255) d = (q - keyHash(src.keyAt((s & IDX_MASK) - 1))) & mask;
      // The entry may fill the hole unless its home lies cyclically in (hole, q].
      const gap = (q - hole) & mask;
      if (d >= gap) {
        t[hole] = s;
        dt[hole] = d - gap < 255 ? d - gap : 255;
        hole = q;
      }
    }
    t[hole] = 0;
    dt[hole] = 0;
    const n = this.segCounts === null ? --this.count : --this.segCounts[seg];
    if (t.length > MIN_CAP && n < t.length >>> 3) this.resize(seg, t.length >>> 1);
  }

  /** Forgets every key (the first table sized for `expected`). */
  clear(expected = 0): void {
    this.segs = null;
    this.segCounts = null;
    this.segDist = null;
    this.count = 0;
    this.tab = this.firstTable(expected);
    this.tabDist = tracked(new Uint8Array(this.tab.length));
  }

  /**
   * Sizes an empty table for n keys (Redis's dictExpand, from an RDB's RESIZEDB): past the
   * split point the SEGMENTS tables are made at once, each big enough for its share, so a
   * bulk load never rehashes (growing the 1,024 tables one doubling at a time was a fifth of
   * the load time of a 1,000,000-key dump). Does nothing on a table that holds keys.
   */
  reserve(n: number): void {
    if (this.count !== 0 || this.segCounts !== null || n <= 0) return;
    if (n < this.splitAt) {
      this.clear(n);
      return;
    }
    // The average share plus four standard deviations, at the load factor that triggers growth.
    const avg = n / SEGMENTS;
    let cap = this.segStartCap;
    while (cap * 0.7 < avg + 4 * Math.sqrt(avg) + 8 && cap < 1 << TAG_SHIFT) cap *= 2;
    const tabs: Int32Array[] = [];
    const dists: Uint8Array[] = [];
    const counts: number[] = [];
    for (let s = 0; s < SEGMENTS; s++) {
      tabs.push(tracked(new Int32Array(cap)));
      dists.push(tracked(new Uint8Array(cap)));
      counts.push(0);
    }
    this.segs = tabs;
    this.segDist = dists;
    this.segCounts = counts;
    this.tab = tabs[0];
    this.tabDist = dists[0];
  }

  /** Rebuilds table seg with cap slots. */
  private resize(seg: number, cap: number): void {
    const old = this.segs === null ? this.tab : this.segs[seg];
    const t = tracked(new Int32Array(cap));
    const dt = tracked(new Uint8Array(cap));
    const mask = cap - 1;
    const src = this.src;
    for (let j = 0; j < old.length; j++) {
      const s = old[j];
      if (s === 0) continue;
      const home = keyHash(src.keyAt((s & IDX_MASK) - 1)) & mask;
      let p = home;
      while (t[p] !== 0) p = (p + 1) & mask;
      t[p] = s;
      dt[p] = distByte(p, home, mask);
    }
    if (this.segs === null) {
      this.tab = t;
      this.tabDist = dt;
    } else {
      this.segs[seg] = t;
      this.segDist![seg] = dt;
    }
  }

  /** Spreads the single table's keys (indices 0 .. count-1) over SEGMENTS tables. */
  private split(): void {
    const tabs: Int32Array[] = [];
    const dists: Uint8Array[] = [];
    const counts: number[] = [];
    for (let s = 0; s < SEGMENTS; s++) {
      tabs.push(tracked(new Int32Array(this.segStartCap)));
      dists.push(tracked(new Uint8Array(this.segStartCap)));
      counts.push(0);
    }
    this.segs = tabs;
    this.segDist = dists;
    const src = this.src;
    for (let i = 0; i < this.count; i++) {
      const h = keyHash(src.keyAt(i));
      const seg = h >>> SEG_SHIFT;
      const t = tabs[seg];
      const mask = t.length - 1;
      let p = h & mask;
      while (t[p] !== 0) p = (p + 1) & mask;
      t[p] = (((h >>> TAG_SHIFT) & 15) << 28) | (i + 1);
      dists[seg][p] = distByte(p, h & mask, mask);
      if (++counts[seg] > t.length * 0.7) this.resize(seg, t.length * 2);
    }
    this.segCounts = counts;
    // Drop the old table (tab is unused from here on).
    this.tab = tabs[0];
    this.tabDist = dists[0];
  }

  /** Keys per table (one entry before the split, SEGMENTS after). */
  tableSizes(): number[] {
    return this.segCounts === null ? [this.count] : this.segCounts.slice();
  }

  /** Off-heap bytes of the live tables (for tests and estimates). */
  tableBytes(): number {
    let bytes = 0;
    for (const t of this.segs ?? [this.tab]) bytes += offHeapBytes(t.length) + (t.length > 64 ? t.length : 0);
    return bytes;
  }

  /**
   * Checks the invariants for n keys (tests): counts right, distance bytes right, every key
   * found at its index.
   */
  check(n: number): string | null {
    let total = 0;
    const tabs = this.segs ?? [this.tab];
    const dists = this.segDist ?? [this.tabDist];
    for (let s = 0; s < tabs.length; s++) {
      let c = 0;
      const t = tabs[s];
      const mask = t.length - 1;
      for (let p = 0; p < t.length; p++) {
        const v = t[p];
        if (v === 0) continue;
        c++;
        const home = keyHash(this.src.keyAt((v & IDX_MASK) - 1)) & mask;
        if (dists[s][p] !== distByte(p, home, mask)) return `segment ${s}: slot ${p} has a wrong distance`;
      }
      const want = this.segCounts === null ? this.count : this.segCounts[s];
      if (c !== want) return `segment ${s}: ${c} slots used, count ${want}`;
      total += c;
    }
    if (total !== n) return `${total} slots used for ${n} keys`;
    for (let i = 0; i < n; i++)
      if (this.find(this.src.keyAt(i)) !== i) return `key ${i} not found at its index`;
    return null;
  }
}
