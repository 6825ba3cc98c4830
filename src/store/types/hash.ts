/**
 * The hash type (t_hash.c), with Redis 7.4's hash-field expiration (HFE).
 *
 * Encodings, as OBJECT ENCODING reports them:
 * - `listpack`: one flat array [field0, value0, field1, value1, ...] with linear scans, like
 *   Redis's listpack; new fields are appended.
 * - `listpackex` (7.4): the listpack of a hash that was given field TTLs; a parallel array
 *   holds each pair's expire time (0 = none) and pairs are kept ordered by it, volatile
 *   fields first (earliest first), persistent ones last, exactly as Redis orders them — so
 *   HGETALL's order is Redis's order.
 * - `hashtable`: a Dict (field -> value); field TTLs in a Map plus a lazy min-heap.
 * listpack -> listpackex on the first H*EXPIRE*, listpack(ex) -> hashtable when a field or
 * value exceeds hash-max-listpack-value or the size exceeds hash-max-listpack-entries;
 * never back.
 *
 * A field whose expire time has passed stays until something reclaims it (lazy expiry in the
 * commands, or the active cycle): HLEN counts it, as Redis 7.4 does. The store only keeps the
 * data; commands/hash.ts decides when to reclaim and what to notify.
 */
import { Dict } from '../dict.js';
import type { RObject } from '../database.js';

export const ENC_LISTPACK = 0;
export const ENC_LISTPACKEX = 1;
export const ENC_HASHTABLE = 2;
const ENCODING_NAMES = ['listpack', 'listpackex', 'hashtable'];

export class HashObject implements RObject {
  readonly type = 'hash' as const;
  lru = 0;
  enc = ENC_LISTPACK;
  /** listpack / listpackex: [f0, v0, f1, v1, ...]; null for hashtable. */
  lp: string[] | null = [];
  /** listpackex: expire time (unix ms) of each pair, 0 = none; ascending, zeros last. */
  lpTtl: number[] | null = null;
  /** hashtable: field -> value. */
  dict: Dict<string> | null = null;
  /** hashtable: field -> expire time, for the fields that have one. */
  ttls: Map<string, number> | null = null;
  /** hashtable: min-heap of (time, field) over `ttls`; entries that no longer match are skipped. */
  private heapT: number[] | null = null;
  private heapF: string[] | null = null;

  /** Active-expiry registration (owned by commands/hash.ts): db, key and time of its entry. */
  regDb = -1;
  regKey: string | null = null;
  regTime = -1;

  encoding(): string {
    return ENCODING_NAMES[this.enc];
  }

  /** Number of fields, including expired ones not reclaimed yet (Redis's hashTypeLength(o, 0)). */
  get length(): number {
    return this.lp !== null ? this.lp.length >> 1 : this.dict!.size;
  }

  /** Index of field (0 <= i < length), or -1. */
  indexOf(field: string): number {
    const lp = this.lp;
    if (lp !== null) {
      for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i >> 1;
      return -1;
    }
    return this.dict!.indexOf(field);
  }

  fieldAt(i: number): string {
    return this.lp !== null ? this.lp[i << 1] : this.dict!.keys[i];
  }

  valueAt(i: number): string {
    return this.lp !== null ? this.lp[(i << 1) + 1] : this.dict!.vals[i];
  }

  /** Expire time of the field at index i, 0 when it has none. */
  ttlAt(i: number): number {
    if (this.lpTtl !== null) return this.lpTtl[i];
    if (this.ttls !== null) return this.ttls.get(this.dict!.keys[i]) ?? 0;
    return 0;
  }

  /** True when some field has (or had) a TTL registered: the only hashes that can expire fields. */
  get hasTtls(): boolean {
    if (this.lpTtl !== null) return this.lpTtl.length > 0 && this.lpTtl[0] !== 0;
    return this.ttls !== null && this.ttls.size > 0;
  }

  /** Sets field to value; true when the field is new. keepTtl: HINCRBY* keep the field's TTL. */
  set(field: string, value: string, keepTtl: boolean, maxEntries: number, maxValue: number): boolean {
    if (this.lp !== null && (field.length > maxValue || value.length > maxValue)) this.toHashtable();
    const lp = this.lp;
    if (lp !== null) {
      const i = this.indexOf(field);
      let created = false;
      if (i !== -1) {
        lp[(i << 1) + 1] = value;
        const ttl = this.lpTtl;
        if (ttl !== null && ttl[i] !== 0 && !keepTtl) this.lpMove(i, 0);
      } else {
        lp.push(field, value);
        if (this.lpTtl !== null) this.lpTtl.push(0);
        created = true;
      }
      if (lp.length >> 1 > maxEntries) this.toHashtable();
      return created;
    }
    const d = this.dict!;
    const i = d.indexOf(field);
    if (i === -1) {
      d.add(field, value);
      return true;
    }
    d.vals[i] = value;
    if (!keepTtl && this.ttls !== null) this.ttls.delete(field);
    return false;
  }

  /** Deletes field; true when it was there. */
  delete(field: string): boolean {
    const lp = this.lp;
    if (lp !== null) {
      const i = this.indexOf(field);
      if (i === -1) return false;
      this.deleteAt(i);
      return true;
    }
    if (this.dict!.delete(field) === undefined) return false;
    if (this.ttls !== null) this.ttls.delete(field);
    return true;
  }

  /** Deletes the field at index i (on hashtables the last field moves into i). */
  deleteAt(i: number): void {
    const lp = this.lp;
    if (lp !== null) {
      lp.splice(i << 1, 2);
      if (this.lpTtl !== null) this.lpTtl.splice(i, 1);
      return;
    }
    const f = this.dict!.keys[i];
    this.dict!.delete(f);
    if (this.ttls !== null) this.ttls.delete(f);
  }

  /** Makes a listpack a listpackex (the first H*EXPIRE* on a small hash). */
  enableTtls(): void {
    if (this.enc === ENC_LISTPACK) {
      this.enc = ENC_LISTPACKEX;
      this.lpTtl = new Array<number>(this.lp!.length >> 1).fill(0);
    } else if (this.enc === ENC_HASHTABLE && this.ttls === null) {
      this.ttls = new Map();
      this.heapT = [];
      this.heapF = [];
    }
  }

  /** Sets (when > 0) or clears (0) the expire time of the field at index i. */
  setTtlAt(i: number, when: number): void {
    if (this.lp !== null) {
      this.lpMove(i, when);
      return;
    }
    const f = this.dict!.keys[i];
    if (when === 0) {
      this.ttls?.delete(f);
      return;
    }
    this.enableTtls();
    this.ttls!.set(f, when);
    this.heapPush(when, f);
  }

  /** Earliest field expire time, or 0 when no field has one. */
  minExpire(): number {
    if (this.lpTtl !== null) return this.lpTtl.length > 0 ? this.lpTtl[0] : 0;
    const ttls = this.ttls;
    if (ttls === null || ttls.size === 0) return 0;
    while (this.heapT!.length > 0 && ttls.get(this.heapF![0]) !== this.heapT![0]) this.heapPop();
    if (this.heapT!.length === 0) this.rebuildHeap();
    return this.heapT!.length > 0 ? this.heapT![0] : 0;
  }

  /** How many fields have an expire time before now (logically gone, not reclaimed yet). */
  expiredCount(now: number): number {
    const lt = this.lpTtl;
    if (lt !== null) {
      let n = 0;
      while (n < lt.length && lt[n] !== 0 && lt[n] < now) n++;
      return n;
    }
    if (this.ttls === null) return 0;
    let n = 0;
    for (const t of this.ttls.values()) if (t < now) n++;
    return n;
  }

  /**
   * Removes up to `max` fields whose expire time is <= now (the active cycle's rule) and
   * returns their names, earliest first.
   */
  popExpired(now: number, max: number): string[] {
    const out: string[] = [];
    const lt = this.lpTtl;
    if (lt !== null) {
      let n = 0;
      while (n < lt.length && n < max && lt[n] !== 0 && lt[n] <= now) n++;
      if (n === 0) return out;
      const lp = this.lp!;
      for (let i = 0; i < n; i++) out.push(lp[i << 1]);
      lp.splice(0, n << 1);
      lt.splice(0, n);
      return out;
    }
    const ttls = this.ttls;
    if (ttls === null) return out;
    const t = this.heapT!;
    const f = this.heapF!;
    while (out.length < max && t.length > 0 && t[0] <= now) {
      const field = f[0];
      const when = t[0];
      this.heapPop();
      if (ttls.get(field) !== when) continue;
      ttls.delete(field);
      this.dict!.delete(field);
      out.push(field);
    }
    return out;
  }

  toHashtable(): void {
    const lp = this.lp;
    if (lp === null) return;
    const d = new Dict<string>();
    for (let i = 0; i < lp.length; i += 2) d.add(lp[i], lp[i + 1]);
    const lt = this.lpTtl;
    this.dict = d;
    this.lp = null;
    this.lpTtl = null;
    this.enc = ENC_HASHTABLE;
    if (lt !== null) {
      this.enableTtls();
      for (let i = 0; i < lt.length && lt[i] !== 0; i++) {
        this.ttls!.set(lp[i << 1], lt[i]);
        this.heapPush(lt[i], lp[i << 1]);
      }
    }
  }

  clone(): HashObject {
    const h = new HashObject();
    h.enc = this.enc;
    if (this.lp !== null) {
      h.lp = this.lp.slice();
      h.lpTtl = this.lpTtl !== null ? this.lpTtl.slice() : null;
      return h;
    }
    h.lp = null;
    const d = new Dict<string>();
    const src = this.dict!;
    for (let i = 0; i < src.size; i++) d.add(src.keys[i], src.vals[i]);
    h.dict = d;
    if (this.ttls !== null) {
      h.enableTtls();
      for (const [f, t] of this.ttls) {
        h.ttls!.set(f, t);
        h.heapPush(t, f);
      }
    }
    return h;
  }

  /** Approximately what Redis's objectComputeSize reports. */
  memoryUsage(): number {
    const lp = this.lp;
    if (lp !== null) {
      // listpack: 6-byte header + end byte, ~2 bytes of lengths per entry.
      let bytes = 7;
      for (let i = 0; i < lp.length; i++) bytes += lp[i].length + 2;
      if (this.lpTtl !== null) bytes += this.lpTtl.length * 9 + 40;
      return 16 + bytes;
    }
    const d = this.dict!;
    const n = d.size;
    const k = Math.min(5, n);
    let sample = 0;
    for (let i = 0; i < k; i++) sample += sdsAlloc(d.keys[i].length) + sdsAlloc(d.vals[i].length) + 24;
    const buckets = n === 0 ? 0 : 8 * 2 ** Math.ceil(Math.log2(Math.max(4, n)));
    const ttl = this.ttls !== null ? this.ttls.size * 24 : 0;
    return 16 + 96 + buckets + ttl + (k === 0 ? 0 : (sample / k) * n);
  }

  /**
   * listpackex: moves pair i to where expire time `when` belongs (0 = to the end), as
   * Redis deletes the triplet and re-inserts it before the first field with no TTL or an
   * equal or later one.
   */
  private lpMove(i: number, when: number): void {
    const lp = this.lp!;
    const lt = this.lpTtl!;
    const f = lp[i << 1];
    const v = lp[(i << 1) + 1];
    lp.splice(i << 1, 2);
    lt.splice(i, 1);
    let j = lt.length;
    if (when !== 0) {
      for (j = 0; j < lt.length; j++) if (lt[j] === 0 || lt[j] >= when) break;
    }
    if (j === lt.length) {
      lp.push(f, v);
      lt.push(when);
    } else {
      lp.splice(j << 1, 0, f, v);
      lt.splice(j, 0, when);
    }
  }

  private heapPush(t: number, f: string): void {
    // Stale entries pile up when TTLs change often: rebuild from the live map when they dominate.
    if (this.heapT!.length > 64 && this.heapT!.length > 2 * this.ttls!.size) this.rebuildHeap();
    const ht = this.heapT!;
    const hf = this.heapF!;
    let i = ht.length;
    ht.push(t);
    hf.push(f);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ht[p] <= t) break;
      ht[i] = ht[p];
      hf[i] = hf[p];
      i = p;
    }
    ht[i] = t;
    hf[i] = f;
  }

  private heapPop(): void {
    const ht = this.heapT!;
    const hf = this.heapF!;
    const lastT = ht.pop()!;
    const lastF = hf.pop()!;
    const n = ht.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && ht[c + 1] < ht[c]) c++;
      if (ht[c] >= lastT) break;
      ht[i] = ht[c];
      hf[i] = hf[c];
      i = c;
    }
    ht[i] = lastT;
    hf[i] = lastF;
  }

  private rebuildHeap(): void {
    const ttls = this.ttls!;
    this.heapT = [];
    this.heapF = [];
    if (ttls.size === 0) return;
    const pairs: [number, string][] = [];
    for (const [f, t] of ttls) pairs.push([t, f]);
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [t, f] of pairs) {
      this.heapT.push(t);
      this.heapF.push(f);
    }
  }
}

/** jemalloc-ish size of an sds string of length len (header + NUL, rounded to 8). */
function sdsAlloc(len: number): number {
  const hdr = len < 256 ? 3 : len < 65536 ? 5 : 9;
  return (len + hdr + 1 + 7) & ~7;
}
