/**
 * The hash type (t_hash.c), with Redis 7.4's hash-field expiration (HFE).
 *
 * Encodings, as OBJECT ENCODING reports them:
 * - `listpack`: all fields and values packed back to back in one latin1 string (each entry a
 *   1-, 2- or 5-byte length then its bytes), scanned linearly like Redis's listpack; new
 *   fields are appended. One string per hash instead of two per field keeps millions of
 *   small hashes near Redis's memory footprint.
 * - `listpackex` (7.4): the listpack of a hash that was given field TTLs, plus an array with
 *   each pair's expire time (0 = none); pairs are kept ordered by it, volatile fields first
 *   (earliest first), persistent ones last, exactly as Redis orders them, so HGETALL's
 *   order is Redis's order.
 * - `hashtable`: a CompactDict (field -> value); field TTLs in a Map plus a lazy min-heap.
 * listpack -> listpackex on the first H*EXPIRE*; listpack(ex) -> hashtable when a field or
 * value exceeds hash-max-listpack-value or the size exceeds hash-max-listpack-entries;
 * never back.
 *
 * A field whose expire time has passed stays until something reclaims it (lazy expiry in the
 * commands, or the active cycle): HLEN counts it, as Redis 7.4 does. The store only keeps the
 * data; commands/hash.ts decides when to reclaim and what to notify.
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
import { writeLatin1 } from '../../util/latin1.js';

export const ENC_LISTPACK = 0;
export const ENC_LISTPACKEX = 1;
export const ENC_HASHTABLE = 2;
const ENCODING_NAMES = ['listpack', 'listpackex', 'hashtable'];

// ---- packed listpack strings ----------------------------------------------------------------
//
// An entry is a length header then the entry's bytes (one char per byte). The header is one
// byte for lengths < 0x80, two (0x80 | len >> 8, len & 0xff) below 0x4000, else 0xc0 and
// four bytes big-endian.

/** Start and length of the entry read by readEntry (module state: no allocation per read). */
let eStart = 0;
let eLen = 0;

/** Reads the entry at p into eStart/eLen; returns the position of the next entry. */
function readEntry(s: string, p: number): number {
  const c0 = s.charCodeAt(p);
  if (c0 < 0x80) {
    eLen = c0;
    eStart = p + 1;
  } else if (c0 < 0xc0) {
    eLen = ((c0 & 0x3f) << 8) | s.charCodeAt(p + 1);
    eStart = p + 2;
  } else {
    eLen =
      s.charCodeAt(p + 1) * 0x1000000 +
      ((s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 8) | s.charCodeAt(p + 4));
    eStart = p + 5;
  }
  return eStart + eLen;
}

function skipEntry(s: string, p: number): number {
  return readEntry(s, p);
}

/**
 * Builds new packed strings in one scratch buffer: every piece is copied once, and the
 * result is a fresh flat string (latin1Slice), never a rope of the old one.
 */
let scratch = Buffer.allocUnsafe(4096);
let sp = 0;

function room(n: number): void {
  if (sp + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < sp + n) size *= 2;
  const b = Buffer.allocUnsafe(size);
  scratch.copy(b, 0, 0, sp);
  scratch = b;
}

function putEntry(str: string): void {
  const len = str.length;
  room(len + 5);
  const b = scratch;
  if (len < 0x80) b[sp++] = len;
  else if (len < 0x4000) {
    b[sp++] = 0x80 | (len >> 8);
    b[sp++] = len & 0xff;
  } else {
    b[sp++] = 0xc0;
    b.writeUInt32BE(len, sp);
    sp += 4;
  }
  sp += writeLatin1(b, str, sp);
}

/** Copies s[a, b) (already packed entries) into the scratch buffer. */
function putRange(s: string, a: number, b: number): void {
  if (b <= a) return;
  room(b - a);
  sp += scratch.latin1Write(a === 0 && b === s.length ? s : s.substring(a, b), sp);
}

function finish(): string {
  const r = scratch.latin1Slice(0, sp);
  sp = 0;
  if (scratch.length > 1 << 20) scratch = Buffer.allocUnsafe(4096);
  return r;
}

/** The entries of a packed string as independent strings (copies, not slices of it). */
function unpack(s: string): string[] {
  room(s.length);
  scratch.latin1Write(s, 0);
  const out: string[] = [];
  for (let p = 0; p < s.length;) {
    p = readEntry(s, p);
    out.push(scratch.latin1Slice(eStart, eStart + eLen));
  }
  return out;
}

/**
 * Cursor into the packed string of the hash used last: pair index and the position of its
 * field entry. Sequential access by index (HGETALL, HSCAN) and an indexOf followed by
 * valueAt of the same pair cost no rescans. Reset by every change to that hash.
 */
let curObj: HashObject | null = null;
let curIdx = 0;
let curPos = 0;

/** The last short value stored in a hashtable-encoded hash, and the longest shared (see set()). */
let lastValue = '';
const SHARE_MAX = 64;

/** TTL state of a hash that got field expire times (lazily allocated: most hashes have none). */
class HashTtls {
  /** listpackex: expire time (unix ms) of each pair, 0 = none; ascending, zeros last. */
  lp: number[] | null = null;
  /** hashtable: field -> expire time, for the fields that have one. */
  map: Map<string, number> | null = null;
  /** hashtable: min-heap of (time, field) over `map`; entries that no longer match are skipped. */
  heapT: number[] = [];
  heapF: string[] = [];
  /** Active-expiry registration (owned by commands/hash.ts): db, key and time of its entry. */
  regDb = -1;
  regKey: string | null = null;
  regTime = -1;
}

export class HashObject implements RObject {
  lru = 0;
  enc = ENC_LISTPACK;
  /** listpack / listpackex: the packed entries f0 v0 f1 v1 ...; null for hashtable. */
  lp: string | null = '';
  /** Number of pairs in `lp`. */
  private lpLen = 0;
  /** hashtable: field -> value. */
  dict: CompactDict<string> | null = null;
  /** Field TTLs and active-expiry registration, once the hash had H*EXPIRE* called on it. */
  ex: HashTtls | null = null;

  get type(): 'hash' {
    return 'hash';
  }

  encoding(): string {
    return ENCODING_NAMES[this.enc];
  }

  /** Number of fields, including expired ones not reclaimed yet (Redis's hashTypeLength(o, 0)). */
  get length(): number {
    return this.lp !== null ? this.lpLen : this.dict!.size;
  }

  /** Index of field (0 <= i < length), or -1. */
  indexOf(field: string): number {
    const s = this.lp;
    if (s === null) return this.dict!.indexOf(field);
    const fl = field.length;
    const n = s.length;
    for (let p = 0, i = 0; p < n; i++) {
      const next = readEntry(s, p);
      if (eLen === fl && s.startsWith(field, eStart)) {
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module's cursor names its hash
        curObj = this;
        curIdx = i;
        curPos = p;
        return i;
      }
      p = skipEntry(s, next);
    }
    return -1;
  }

  /** Position of pair i's field entry in the packed string (moves the cursor there). */
  private seek(i: number): number {
    const s = this.lp!;
    let idx = 0;
    let p = 0;
    if (curObj === this && curIdx <= i) {
      idx = curIdx;
      p = curPos;
    }
    while (idx < i) {
      p = skipEntry(s, skipEntry(s, p));
      idx++;
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module's cursor names its hash
    curObj = this;
    curIdx = i;
    curPos = p;
    return p;
  }

  fieldAt(i: number): string {
    if (this.lp === null) return this.dict!.keyAt(i);
    const s = this.lp;
    readEntry(s, this.seek(i));
    return s.substring(eStart, eStart + eLen);
  }

  valueAt(i: number): string {
    if (this.lp === null) return this.dict!.valAt(i);
    const s = this.lp;
    readEntry(s, skipEntry(s, this.seek(i)));
    return s.substring(eStart, eStart + eLen);
  }

  /** Expire time of the field at index i, 0 when it has none. */
  ttlAt(i: number): number {
    const ex = this.ex;
    if (ex === null) return 0;
    if (ex.lp !== null) return ex.lp[i];
    if (ex.map !== null) return ex.map.get(this.dict!.keyAt(i)) ?? 0;
    return 0;
  }

  /** True when some field has a TTL: the only hashes whose fields can expire. */
  get hasTtls(): boolean {
    const ex = this.ex;
    if (ex === null) return false;
    if (ex.lp !== null) return ex.lp.length > 0 && ex.lp[0] !== 0;
    return ex.map !== null && ex.map.size > 0;
  }

  /** The listpack's pairs as [f0, v0, f1, v1, ...] (independent strings). */
  lpEntries(): string[] {
    return unpack(this.lp!);
  }

  /** Sets field to value; true when the field is new. keepTtl: HINCRBY* keep the field's TTL. */
  set(field: string, value: string, keepTtl: boolean, maxEntries: number, maxValue: number): boolean {
    if (this.lp !== null && (field.length > maxValue || value.length > maxValue)) this.toHashtable();
    const s = this.lp;
    if (s !== null) {
      const i = this.indexOf(field);
      let created = false;
      if (i !== -1) {
        const vp = skipEntry(s, curPos);
        const end = skipEntry(s, vp);
        putRange(s, 0, vp);
        putEntry(value);
        putRange(s, end, s.length);
        this.setLp(finish(), this.lpLen);
        const ttl = this.ex?.lp;
        if (ttl && ttl[i] !== 0 && !keepTtl) this.lpMove(i, 0);
      } else {
        putRange(s, 0, s.length);
        putEntry(field);
        putEntry(value);
        this.setLp(finish(), this.lpLen + 1);
        this.ex?.lp?.push(0);
        created = true;
      }
      if (this.lpLen > maxEntries) this.toHashtable();
      return created;
    }
    // A short value equal to the last one stored (in any hash) is stored as that same string:
    // a value written over and over (flags, counters, states) then neither makes the scavenger
    // promote each new copy nor leaves the replaced copy as old-generation garbage.
    if (value.length <= SHARE_MAX) {
      if (value === lastValue) value = lastValue;
      else lastValue = value;
    }
    if (this.dict!.set(field, value)) return true;
    if (!keepTtl) this.ex?.map?.delete(field);
    return false;
  }

  /** Deletes field; true when it was there. */
  delete(field: string): boolean {
    const i = this.indexOf(field);
    if (i === -1) return false;
    this.deleteAt(i);
    return true;
  }

  /** Deletes the field at index i (on hashtables the last field moves into i). */
  deleteAt(i: number): void {
    const s = this.lp;
    if (s !== null) {
      const p = this.seek(i);
      const end = skipEntry(s, skipEntry(s, p));
      putRange(s, 0, p);
      putRange(s, end, s.length);
      this.setLp(finish(), this.lpLen - 1);
      this.ex?.lp?.splice(i, 1);
      return;
    }
    const f = this.dict!.deleteAt(i);
    this.ex?.map?.delete(f);
  }

  /** Lets the hash hold field TTLs (a listpack becomes a listpackex: the first H*EXPIRE*). */
  enableTtls(): void {
    if (this.ex === null) this.ex = new HashTtls();
    const ex = this.ex;
    if (this.enc === ENC_LISTPACK) {
      this.enc = ENC_LISTPACKEX;
      ex.lp = new Array<number>(this.lpLen).fill(0);
    } else if (this.enc === ENC_HASHTABLE && ex.map === null) {
      ex.map = new Map();
    }
  }

  /** Sets (when > 0) or clears (0) the expire time of the field at index i. */
  setTtlAt(i: number, when: number): void {
    if (this.lp !== null) {
      this.lpMove(i, when);
      return;
    }
    const f = this.dict!.keyAt(i);
    if (when === 0) {
      this.ex?.map?.delete(f);
      return;
    }
    this.enableTtls();
    this.ex!.map!.set(f, when);
    this.heapPush(when, f);
  }

  /** Earliest field expire time, or 0 when no field has one. */
  minExpire(): number {
    const ex = this.ex;
    if (ex === null) return 0;
    if (ex.lp !== null) return ex.lp.length > 0 ? ex.lp[0] : 0;
    const map = ex.map;
    if (map === null || map.size === 0) return 0;
    while (ex.heapT.length > 0 && map.get(ex.heapF[0]) !== ex.heapT[0]) this.heapPop();
    if (ex.heapT.length === 0) this.rebuildHeap();
    return ex.heapT.length > 0 ? ex.heapT[0] : 0;
  }

  /** How many fields have an expire time before now (logically gone, not reclaimed yet). */
  expiredCount(now: number): number {
    const ex = this.ex;
    if (ex === null) return 0;
    const lt = ex.lp;
    if (lt !== null) {
      let n = 0;
      while (n < lt.length && lt[n] !== 0 && lt[n] < now) n++;
      return n;
    }
    if (ex.map === null) return 0;
    let n = 0;
    for (const t of ex.map.values()) if (t < now) n++;
    return n;
  }

  /**
   * Removes up to `max` fields whose expire time is <= now (the active cycle's rule) and
   * returns their names, earliest first.
   */
  popExpired(now: number, max: number): string[] {
    const out: string[] = [];
    const ex = this.ex;
    if (ex === null) return out;
    const lt = ex.lp;
    if (lt !== null) {
      let n = 0;
      while (n < lt.length && n < max && lt[n] !== 0 && lt[n] <= now) n++;
      if (n === 0) return out;
      const s = this.lp!;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const next = readEntry(s, p);
        out.push(s.substring(eStart, eStart + eLen));
        p = skipEntry(s, next);
      }
      putRange(s, p, s.length);
      this.setLp(finish(), this.lpLen - n);
      lt.splice(0, n);
      return out;
    }
    const map = ex.map;
    if (map === null) return out;
    while (out.length < max && ex.heapT.length > 0 && ex.heapT[0] <= now) {
      const field = ex.heapF[0];
      const when = ex.heapT[0];
      this.heapPop();
      if (map.get(field) !== when) continue;
      map.delete(field);
      this.dict!.delete(field);
      out.push(field);
    }
    return out;
  }

  toHashtable(): void {
    const s = this.lp;
    if (s === null) return;
    const entries = unpack(s);
    const d = new CompactDict<string>(true, entries.length >>> 1);
    for (let i = 0; i < entries.length; i += 2) d.add(entries[i], entries[i + 1]);
    this.dict = d;
    this.setLp(null, 0);
    this.enc = ENC_HASHTABLE;
    const ex = this.ex;
    const lt = ex?.lp ?? null;
    if (ex !== null) {
      ex.lp = null;
      ex.map = new Map();
      if (lt !== null) {
        for (let i = 0; i < lt.length && lt[i] !== 0; i++) {
          ex.map.set(entries[i << 1], lt[i]);
          this.heapPush(lt[i], entries[i << 1]);
        }
      }
    }
  }

  clone(): HashObject {
    const h = new HashObject();
    h.enc = this.enc;
    if (this.lp !== null) {
      // Strings are immutable: the copy shares the packed entries.
      h.setLp(this.lp, this.lpLen);
      if (this.ex?.lp) {
        h.ex = new HashTtls();
        h.ex.lp = this.ex.lp.slice();
      }
      return h;
    }
    h.setLp(null, 0);
    const src = this.dict!;
    const d = new CompactDict<string>(true, src.size);
    for (let i = 0; i < src.size; i++) d.add(src.keyAt(i), src.valAt(i));
    h.dict = d;
    const map = this.ex?.map;
    if (map) {
      h.enableTtls();
      for (const [f, t] of map) {
        h.ex!.map!.set(f, t);
        h.heapPush(t, f);
      }
    }
    return h;
  }

  /**
   * What Redis's objectComputeSize reports: the robj and the listpack's exact allocation
   * (each entry as Redis would encode it), or the dict's table plus the average of the
   * first pairs sampled, times the size.
   */
  memoryUsage(): number {
    const s = this.lp;
    if (s !== null) {
      let bytes = 7; // header and end byte
      for (const e of unpack(s)) bytes += lpEntrySize(e);
      const ttl = this.ex?.lp;
      if (ttl) {
        for (const t of ttl) bytes += t === 0 ? 2 : 10;
        return ROBJ_SIZE + jemallocSize(32) + jemallocSize(bytes);
      }
      return ROBJ_SIZE + jemallocSize(bytes);
    }
    const d = this.dict!;
    const n = d.size;
    const k = Math.min(USAGE_SAMPLES, n);
    let sample = 0;
    for (let i = 0; i < k; i++)
      sample += DICT_ENTRY_SIZE + sdsSize(d.keyAt(i).length) + sdsSize(d.valAt(i).length);
    return ROBJ_SIZE + DICT_SIZE + 8 * dictSlots(n) + (k === 0 ? 0 : Math.floor((sample / k) * n));
  }

  /**
   * Heap bytes of a hashtable hash (the first pairs sampled, as memoryUsage): each field's and
   * value's string and their page slots; the lookup table is off-heap (store/external.ts).
   */
  heapBytes(): number {
    const d = this.dict;
    if (d === null) return this.memoryUsage();
    const n = d.size;
    const k = Math.min(USAGE_SAMPLES, n);
    let sample = 0;
    for (let i = 0; i < k; i++)
      sample += v8StringSize(d.keyAt(i).length) + v8StringSize(d.valAt(i).length) + 16;
    return k === 0 ? 0 : Math.floor((sample / k) * n);
  }

  private setLp(s: string | null, len: number): void {
    this.lp = s;
    this.lpLen = len;
    if (curObj === this) curObj = null;
  }

  /**
   * listpackex: moves pair i to where expire time `when` belongs (0 = to the end), as
   * Redis deletes the triplet and re-inserts it before the first field with no TTL or an
   * equal or later one.
   */
  private lpMove(i: number, when: number): void {
    const s = this.lp!;
    const lt = this.ex!.lp!;
    const starts: number[] = [];
    for (let p = 0; p < s.length; p = skipEntry(s, skipEntry(s, p))) starts.push(p);
    starts.push(s.length);
    const p = starts[i];
    const end = starts[i + 1];
    lt.splice(i, 1);
    let j = lt.length;
    if (when !== 0) {
      for (j = 0; j < lt.length; j++) if (lt[j] === 0 || lt[j] >= when) break;
    }
    lt.splice(j, 0, when);
    // New slot j is before the pair that was at old index j (j < i) or j + 1 (j >= i).
    const q = starts[j < i ? j : j + 1];
    if (q <= p) {
      putRange(s, 0, q);
      putRange(s, p, end);
      putRange(s, q, p);
      putRange(s, end, s.length);
    } else {
      putRange(s, 0, p);
      putRange(s, end, q);
      putRange(s, p, end);
      putRange(s, q, s.length);
    }
    this.setLp(finish(), this.lpLen);
  }

  private heapPush(t: number, f: string): void {
    const ex = this.ex!;
    // Stale entries pile up when TTLs change often: rebuild from the live map when they dominate.
    if (ex.heapT.length > 64 && ex.heapT.length > 2 * ex.map!.size) this.rebuildHeap();
    const ht = ex.heapT;
    const hf = ex.heapF;
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
    const ht = this.ex!.heapT;
    const hf = this.ex!.heapF;
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
    const ex = this.ex!;
    const pairs: [number, string][] = [];
    for (const [f, t] of ex.map!) pairs.push([t, f]);
    pairs.sort((a, b) => a[0] - b[0]);
    ex.heapT = pairs.map((p) => p[0]);
    ex.heapF = pairs.map((p) => p[1]);
  }
}

/** Bytes of one entry in Redis's listpack: its integer or string encoding plus its back-length. */
function lpEntrySize(e: string): number {
  let enc: number;
  const v = e.length > 0 && e.length <= 20 ? parseInt64(e) : null;
  if (v !== null) {
    if (v >= 0 && v <= 127) enc = 1;
    else if (v >= -4096 && v <= 4095) enc = 2;
    else if (v >= -32768 && v <= 32767) enc = 3;
    else if (v >= -8388608 && v <= 8388607) enc = 4;
    else if (v >= -2147483648 && v <= 2147483647) enc = 5;
    else enc = 9;
  } else {
    const l = e.length;
    enc = l < 64 ? 1 + l : l < 4096 ? 2 + l : 5 + l;
  }
  const back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
  return enc + back;
}
