/**
 * The stream type (t_stream.c, stream.h). Entries are packed like Redis packs them into
 * listpacks: a `StreamNode` holds up to stream-node-max-entries entries in one ArrayBuffer
 * (a flags byte, an ID relative to the node's master ID in 1, 2 or 4 words, a 16- or 32-bit
 * offset, and the varint-prefixed values), with the "master fields" of the node's first entry
 * kept once so that entries with the same field names store only their values. Nodes sit in an array ordered by their master
 * ID (Redis's rax key): O(log n) seek by ID, appends at the tail, whole-node trimming at the
 * head. No JS object per entry.
 *
 * Node boundaries follow Redis exactly — the listpack byte size each node would have in Redis
 * is tracked (`lpBytes`) — because they are observable: approximate trimming (`~`) removes only
 * whole nodes, and XINFO reports radix-tree-keys/nodes.
 *
 * IDs are 64-bit ms + 64-bit seq, exact: `StreamID` keeps each half as two uint32 words.
 *
 * Consumer groups: `ConsumerGroup` with a PEL (`NackList`, sorted by ID, plus a Map by ID for
 * lookups), consumers by name, last-delivered-id and entries-read, as Redis 7.0.
 *
 * For serializers (RDB): iterate `nodes` in order (each node's `n` entries, skipping
 * `flags[i] & FLAG_DELETED`; `entryFields(node, i)` decodes one entry), `length`, `lastId`,
 * `firstId`, `maxDeletedId`, `entriesAdded`; groups via `groups` (Map, output sorted by name),
 * each group's `pel.forEach` (ID order) and `consumers` with their `pel`. To build from loaded
 * data: `append(id, fieldsAndValues, ...)` in ID order (then set the counters), `createGroup`,
 * `ConsumerGroup.createConsumer` and `ConsumerGroup.addNack`.
 */
import type { RObject } from '../database.js';
import { jemallocSize, sdsSize } from './alloc.js';
import { trackedArrayBuffer } from '../external.js';

// ---- IDs ----------------------------------------------------------------------------------------

const TWO_32 = 4294967296;

/** A stream ID: ms and seq as uint64, each as two uint32 words. */
export class StreamID {
  constructor(
    public msH = 0,
    public msL = 0,
    public sH = 0,
    public sL = 0,
  ) {}

  static of(ms: number, seq: number): StreamID {
    return new StreamID(Math.floor(ms / TWO_32), ms >>> 0, Math.floor(seq / TWO_32), seq >>> 0);
  }

  copy(): StreamID {
    return new StreamID(this.msH, this.msL, this.sH, this.sL);
  }

  set(o: StreamID): void {
    this.msH = o.msH;
    this.msL = o.msL;
    this.sH = o.sH;
    this.sL = o.sL;
  }

  isZero(): boolean {
    return (this.msH | this.msL | this.sH | this.sL) === 0;
  }

  isMax(): boolean {
    return (
      this.msH === 0xffffffff && this.msL === 0xffffffff && this.sH === 0xffffffff && this.sL === 0xffffffff
    );
  }

  /** The next ID (streamIncrID); false (and 0-0) past the maximum. */
  incr(): boolean {
    if (this.sL !== 0xffffffff) {
      this.sL++;
      return true;
    }
    if (this.sH !== 0xffffffff) {
      this.sH++;
      this.sL = 0;
      return true;
    }
    this.sH = this.sL = 0;
    if (this.msL !== 0xffffffff) {
      this.msL++;
      return true;
    }
    if (this.msH !== 0xffffffff) {
      this.msH++;
      this.msL = 0;
      return true;
    }
    this.msH = this.msL = 0;
    return false;
  }

  /** The previous ID (streamDecrID); false (and max) below 0-0. */
  decr(): boolean {
    if (this.sL !== 0) {
      this.sL--;
      return true;
    }
    if (this.sH !== 0) {
      this.sH--;
      this.sL = 0xffffffff;
      return true;
    }
    this.sH = this.sL = 0xffffffff;
    if (this.msL !== 0) {
      this.msL--;
      return true;
    }
    if (this.msH !== 0) {
      this.msH--;
      this.msL = 0xffffffff;
      return true;
    }
    this.msH = this.msL = 0xffffffff;
    return false;
  }

  toString(): string {
    return u64ToString(this.msH, this.msL) + '-' + u64ToString(this.sH, this.sL);
  }
}

export const MAX_ID = (): StreamID => new StreamID(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);

export function u64ToString(h: number, l: number): string {
  if (h < 0x200000) return String(h * TWO_32 + l);
  return ((BigInt(h) << 32n) | BigInt(l)).toString();
}

export function cmpID(a: StreamID, b: StreamID): number {
  if (a.msH !== b.msH) return a.msH < b.msH ? -1 : 1;
  if (a.msL !== b.msL) return a.msL < b.msL ? -1 : 1;
  if (a.sH !== b.sH) return a.sH < b.sH ? -1 : 1;
  if (a.sL !== b.sL) return a.sL < b.sL ? -1 : 1;
  return 0;
}

/** Compares the ID held as four words (ms high/low, seq high/low) at w[o..o+3] with b. */
function cmpWords(w: Uint32Array | Float64Array, o: number, b: StreamID): number {
  let x = w[o];
  if (x !== b.msH) return x < b.msH ? -1 : 1;
  x = w[o + 1];
  if (x !== b.msL) return x < b.msL ? -1 : 1;
  x = w[o + 2];
  if (x !== b.sH) return x < b.sH ? -1 : 1;
  x = w[o + 3];
  if (x !== b.sL) return x < b.sL ? -1 : 1;
  return 0;
}

/** Compares the ID of entry i of node n with b. */
function cmpAt(n: StreamNode, i: number, b: StreamID): number {
  loadId(n, i);
  return cmpWords(IDW, 0, b);
}

/** Compares the node's master ID (the first entry's, kept in ids[0..3]) with b. */
function cmpMaster(n: StreamNode, b: StreamID): number {
  return cmpWords(n.ids, 0, b);
}

/** Scratch words of the last ID read by loadId: ms high/low, seq high/low. */
const IDW = new Float64Array(4);

/** Puts the words of the ID of entry i of node n into IDW. */
function loadId(n: StreamNode, i: number): void {
  const ids = n.ids;
  if (n.stride !== 4) {
    let d: number;
    let seq: number;
    if (n.stride === 1) {
      const w = ids[4 + i];
      d = w >>> 16;
      seq = w & 0xffff;
    } else {
      const o = 4 + i * 2;
      d = ids[o];
      seq = ids[o + 1];
    }
    let l = ids[1] + d;
    let h = ids[0];
    if (l > 0xffffffff) {
      l -= TWO_32;
      h++;
    }
    IDW[0] = h;
    IDW[1] = l;
    IDW[2] = 0;
    IDW[3] = seq;
    return;
  }
  const o = 4 + i * 4;
  IDW[0] = ids[o];
  IDW[1] = ids[o + 1];
  IDW[2] = ids[o + 2];
  IDW[3] = ids[o + 3];
}

/** The ID of entry i of node n. */
export function idAt(n: StreamNode, i: number): StreamID {
  loadId(n, i);
  return new StreamID(IDW[0], IDW[1], IDW[2], IDW[3]);
}

/** The ID of entry i of node n as text. */
export function idStringAt(n: StreamNode, i: number): string {
  loadId(n, i);
  return u64ToString(IDW[0], IDW[1]) + '-' + u64ToString(IDW[2], IDW[3]);
}

const U64_RE = /^[0-9]+$/;
const TWO_64 = 1n << 64n;

/**
 * Redis's string2ull: a strict int64 (no sign but '-', no leading zeros), else strtoull
 * (leading blanks, a sign — '-' negates modulo 2^64 — and leading zeros allowed, no overflow).
 * Returns [hi, lo] or null.
 */
export function parseU64(s: string): [number, number] | null {
  if (s.length > 0 && s.length < 16 && U64_RE.test(s) && (s.length === 1 || s.charCodeAt(0) !== 48)) {
    const v = Number(s);
    return [Math.floor(v / TWO_32), v >>> 0];
  }
  // strict int64 path: negative values are rejected outright
  if (/^-[1-9][0-9]*$/.test(s) && s.length <= 20) {
    const b = BigInt(s);
    if (b >= -(1n << 63n)) return null;
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return null;
  let v = BigInt(m[2]);
  if (v >= TWO_64) return null;
  if (m[1] === '-') v = (TWO_64 - v) % TWO_64;
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

// ---- Listpack size accounting -----------------------------------------------------------------

/** Bytes of an integer element in a listpack (encoding + backlen). */
function lpIntBytes(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

function lpBacklen(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

const INT_STR_RE = /^-?[1-9][0-9]*$/;

/** Bytes of a string element in a listpack (stored as an integer when it is a strict int64). */
export function lpStrBytes(s: string): number {
  const len = s.length;
  if (len > 0 && len <= 20) {
    const c0 = s.charCodeAt(0);
    if ((c0 >= 48 && c0 <= 57) || c0 === 45) {
      if (s === '0') return 2;
      if (INT_STR_RE.test(s)) {
        if (len < 16) return lpIntBytes(Number(s));
        const b = BigInt(s);
        if (b >= -(1n << 63n) && b < 1n << 63n) return lpIntBytes(Number(b));
      }
    }
  }
  const enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return enc + lpBacklen(enc);
}

/** Listpack bytes of the int64 difference a - b of two uint64 (hi/lo) values. */
function lpDiffBytes(aH: number, aL: number, bH: number, bL: number): number {
  if (aH === bH) return lpIntBytes(aL - bL);
  const d = BigInt.asIntN(64, ((BigInt(aH) << 32n) | BigInt(aL)) - ((BigInt(bH) << 32n) | BigInt(bL)));
  return lpIntBytes(Number(d));
}

// ---- Nodes --------------------------------------------------------------------------------------

export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

/** Listpacks are capped at 1 GB whatever stream-node-max-bytes says (STREAM_LISTPACK_MAX_SIZE). */
const LISTPACK_MAX_SIZE = 1 << 30;

/**
 * One Redis listpack worth of entries, in one ArrayBuffer seen through two views (a node costs
 * one allocation and few JS objects: they are what survives the young generation):
 * - `data` (also `flags`), bytes: flags[i] at data[i] (cap bytes, padded to 4), then the words
 *   `ids` views, then the payload;
 * - `ids`, 32-bit words: ids[0..3] the master ID (entry 0's); entry i's ID relative to the
 *   master as Redis stores it when every ID of the node fits: stride 1, ids[4+i] = ms delta <<
 *   16 | seq (both < 2^16: entries added by `*` at any real rate); stride 2, the ms delta at
 *   ids[4+2i] and the seq at ids[4+2i+1] (both < 2^32); otherwise stride 4, the four words at
 *   ids[4+4i..]. A node widens (1 → 2 → 4) when an entry needs it. From word `oa`: the payload
 *   offsets off(0..n) (byte positions in data), two 16-bit ones per word while the buffer is
 *   under 64 KB, else one per word.
 * Entry i's payload is data[off(i), off(i+1)): with FLAG_SAMEFIELDS one varint-prefixed value
 * per master field (no prefix when the master has one field: the value is the whole payload),
 * otherwise a varint field count and then varint-prefixed field/value pairs.
 */
export class StreamNode {
  ids: Uint32Array;
  /** Words per entry ID in ids: 1 or 2 (relative to the master ID), or 4 (full IDs). */
  stride = 1;
  /** The whole store as bytes; flags[i] is data[i]. */
  data: Buffer;
  flags: Buffer;
  /** Entries the arrays have room for. */
  cap = 0;
  /** Word index in ids of the offsets; whether they are 32-bit. */
  oa = 4;
  o32 = false;
  /** Entries, deleted ones included. */
  n = 0;
  /** Entries not deleted. */
  live = 0;
  /** Listpack bytes of the master fields and of all entries (see lpBytes). */
  masterBytes = 0;
  entryBytes = 0;

  constructor(
    readonly master: string[],
    cap: number,
    dataCap: number,
  ) {
    this.ids = EMPTY_U32;
    this.data = this.flags = EMPTY_BUF;
    this.relayout(cap, 1, dataCap);
    let mb = 0;
    for (let i = 0; i < master.length; i++) mb += lpStrBytes(master[i]);
    this.masterBytes = mb;
  }

  /** The size of this node's listpack in Redis (lpBytes). */
  lpBytes(): number {
    return (
      7 +
      lpIntBytes(this.live) +
      lpIntBytes(this.n - this.live) +
      lpIntBytes(this.master.length) +
      this.masterBytes +
      2 +
      this.entryBytes
    );
  }

  /** Where entry i's payload starts in data (i = n: where the next one would). */
  off(i: number): number {
    const ids = this.ids;
    if (this.o32) return ids[this.oa + i];
    return (ids[this.oa + (i >> 1)] >>> ((i & 1) << 4)) & 0xffff;
  }

  /** Payload bytes in use and room for. */
  payloadUsed(): number {
    return this.off(this.n) - this.off(0);
  }

  payloadCap(): number {
    return this.data.length - this.off(0);
  }

  /**
   * Moves the node into a new store for cap entries, IDs of `stride` words (never narrower
   * than now) and payloadCap bytes of payload, keeping the content.
   */
  relayout(cap: number, stride: number, payloadCap: number): void {
    const fa4 = (cap + 3) & ~3;
    const idWords = 4 + cap * stride;
    let o32 = false;
    let offWords = (cap + 2) >> 1;
    let da = fa4 + (idWords + offWords) * 4;
    if (da + payloadCap > 0xffff) {
      o32 = true;
      offWords = cap + 1;
      da = fa4 + (idWords + offWords) * 4;
    }
    const total = da + payloadCap;
    const buf = trackedArrayBuffer(new ArrayBuffer(total), false);
    const data = Buffer.from(buf, 0, total);
    const ids = new Uint32Array(buf, fa4, idWords + offWords);
    const n = this.n;
    const oldDa = this.cap === 0 && this.data.length === 0 ? 0 : this.off(0);
    if (n !== 0) {
      data.set(this.data.subarray(0, n), 0);
      if (stride === this.stride) ids.set(this.ids.subarray(0, 4 + n * stride));
      else {
        // to a wider form
        ids.set(this.ids.subarray(0, 4));
        for (let i = 0; i < n; i++) {
          loadId(this, i);
          storeId(ids, stride, i, IDW[0], IDW[1], IDW[2], IDW[3]);
        }
      }
      this.data.copy(data, da, oldDa, this.off(n));
    }
    for (let i = 0; i <= n; i++) putOff(ids, idWords, o32, i, (n === 0 ? 0 : this.off(i) - oldDa) + da);
    this.ids = ids;
    this.data = this.flags = data;
    this.stride = stride;
    this.cap = cap;
    this.oa = idWords;
    this.o32 = o32;
  }

  /** Trims the store to the content (a full node, as Redis's lpShrinkToFit). */
  shrink(): void {
    const n = this.n;
    const used = this.payloadUsed();
    // Small slack is cheaper than a copy (and the fragmentation a copy leaves behind).
    if (this.cap > n + (n >> 3) || this.payloadCap() > used + (used >> 3) + 16)
      this.relayout(n, this.stride, used);
  }

  clone(): StreamNode {
    const c = new StreamNode(this.master, 0, 0);
    c.n = this.n;
    c.ids = this.ids;
    c.stride = this.stride;
    c.data = c.flags = this.data;
    c.cap = this.cap;
    c.oa = this.oa;
    c.o32 = this.o32;
    c.relayout(this.cap, this.stride, this.payloadCap());
    c.live = this.live;
    c.masterBytes = this.masterBytes;
    c.entryBytes = this.entryBytes;
    return c;
  }

  /** Index of the first entry with ID >= id (n when none). */
  lowerBound(id: StreamID): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpAt(this, mid, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  cmpAt(i: number, id: StreamID): number {
    return cmpAt(this, i, id);
  }
}

/** Sets offset i (16- or 32-bit, from word oa) in ids. */
function putOff(ids: Uint32Array, oa: number, o32: boolean, i: number, v: number): void {
  if (o32) ids[oa + i] = v;
  else {
    const w = oa + (i >> 1);
    ids[w] = i & 1 ? (ids[w] & 0xffff) + v * 65536 : (ids[w] & 0xffff0000) | v;
  }
}

/** Whether the nf fields of fv (from `from`, alternating with values) are the master fields m. */
function sameFields(m: string[], fv: string[], from: number, nf: number): boolean {
  if (m.length !== nf) return false;
  for (let k = 0; k < nf; k++) if (m[k] !== fv[from + 2 * k]) return false;
  return true;
}

/**
 * The ID stride id needs in a node whose master ID is at ids[0..3]: 1 (16-bit ms delta and
 * seq), 2 (32-bit ms delta and seq) or 4 (the full ID).
 */
function strideFor(ids: Uint32Array, id: StreamID): number {
  if (id.sH !== 0) return 4;
  const d = (id.msH - ids[0]) * TWO_32 + (id.msL - ids[1]);
  if (d < 0 || d > 0xffffffff) return 4;
  return d <= 0xffff && id.sL <= 0xffff ? 1 : 2;
}

/** Stores the ID of entry i (words msH, msL, sH, sL) in ids of the given stride (it fits). */
function storeId(
  ids: Uint32Array,
  stride: number,
  i: number,
  msH: number,
  msL: number,
  sH: number,
  sL: number,
): void {
  if (stride === 1) ids[4 + i] = ((msL - ids[1]) >>> 0) * 65536 + sL;
  else if (stride === 2) {
    const o = 4 + i * 2;
    ids[o] = (msL - ids[1]) >>> 0;
    ids[o + 1] = sL;
  } else {
    const o = 4 + i * 4;
    ids[o] = msH;
    ids[o + 1] = msL;
    ids[o + 2] = sH;
    ids[o + 3] = sL;
  }
}

const EMPTY_U32 = new Uint32Array(0);
const EMPTY_BUF = Buffer.alloc(0);

function varintLen(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint(b: Buffer, p: number, v: number): number {
  while (v >= 0x80) {
    b[p++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}

/** Reads a varint at data[p]: returns the value; the position after it goes to POS[0]. */
export const POS = new Uint32Array(1);
export function readVarint(b: Buffer, p: number): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const x = b[p++];
    v += (x & 0x7f) * mul;
    if (x < 0x80) break;
    mul *= 128;
  }
  POS[0] = p;
  return v;
}

function writeStr(b: Buffer, p: number, s: string): number {
  return writeRaw(b, writeVarint(b, p, s.length), s);
}

/** Writes the latin1 bytes of s at b[p] (no length prefix); returns the position after them. */
function writeRaw(b: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    return p;
  }
  return p + b.latin1Write(s, p);
}

/** Fields and values of entry i of node n, as [f1, v1, f2, v2, ...]. */
export function entryFields(node: StreamNode, i: number): string[] {
  const out: string[] = [];
  const data = node.data;
  let p = node.off(i);
  if (node.flags[i] & FLAG_SAMEFIELDS) {
    const m = node.master;
    if (m.length === 1) {
      // a lone value: no length prefix, it runs to the next entry
      out.push(m[0], data.latin1Slice(p, node.off(i + 1)));
      return out;
    }
    for (let k = 0; k < m.length; k++) {
      const len = readVarint(data, p);
      p = POS[0];
      out.push(m[k], data.latin1Slice(p, p + len));
      p += len;
    }
  } else {
    const nf = readVarint(data, p);
    p = POS[0];
    for (let k = 0; k < nf * 2; k++) {
      const len = readVarint(data, p);
      p = POS[0];
      out.push(data.latin1Slice(p, p + len));
      p += len;
    }
  }
  return out;
}

// ---- Consumer groups ------------------------------------------------------------------------------

/** A pending entry (streamNACK): in the group PEL and in its consumer's PEL. */
export class Nack {
  /** False once acknowledged or dropped (stale copies in NackLists are then skipped). */
  inPel = true;
  constructor(
    readonly id: StreamID,
    public consumer: Consumer | null,
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

/**
 * Pending entries sorted by ID. Removal only marks (Nack.inPel, or a change of consumer for a
 * consumer's list) and the array is compacted when stale slots dominate: acks come in any
 * order, and a splice per ack would be quadratic.
 */
export class NackList {
  arr: Nack[] = [];
  size = 0;
  constructor(readonly owner: Consumer | null) {}

  valid(n: Nack): boolean {
    return n.inPel && (this.owner === null || n.consumer === this.owner);
  }

  /** First index with ID >= id. */
  lowerBound(id: StreamID): number {
    const a = this.arr;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpID(a[mid].id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(n: Nack): void {
    const a = this.arr;
    this.size++;
    if (a.length === 0 || cmpID(a[a.length - 1].id, n.id) < 0) {
      a.push(n);
      return;
    }
    let i = this.lowerBound(n.id);
    // A stale copy of this very Nack (it left this consumer and came back) is reused.
    for (let j = i; j < a.length && cmpID(a[j].id, n.id) === 0; j++) if (a[j] === n) return;
    // Keep stale entries with the same ID before the live one.
    while (i < a.length && cmpID(a[i].id, n.id) === 0) i++;
    a.splice(i, 0, n);
  }

  /** Call after a Nack of this list became invalid for it. */
  removed(): void {
    this.size--;
    if (this.arr.length > 64 && this.arr.length > this.size * 2) this.compact();
  }

  compact(): void {
    const out: Nack[] = [];
    const a = this.arr;
    for (let i = 0; i < a.length; i++) {
      const n = a[i];
      if (this.valid(n) && (out.length === 0 || out[out.length - 1] !== n)) out.push(n);
    }
    this.arr = out;
  }

  first(): Nack | null {
    const a = this.arr;
    for (let i = 0; i < a.length; i++) if (this.valid(a[i])) return a[i];
    return null;
  }

  last(): Nack | null {
    const a = this.arr;
    for (let i = a.length - 1; i >= 0; i--) if (this.valid(a[i])) return a[i];
    return null;
  }

  /** Valid Nacks in ID order (a copy: callers may modify the list while walking it). */
  toArray(): Nack[] {
    const out: Nack[] = [];
    const a = this.arr;
    for (let i = 0; i < a.length; i++) {
      const n = a[i];
      if (this.valid(n) && (out.length === 0 || out[out.length - 1] !== n)) out.push(n);
    }
    return out;
  }
}

export class Consumer {
  readonly pel: NackList;
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {
    this.pel = new NackList(this);
  }
}

/** Redis's SCG_INVALID_ENTRIES_READ. */
export const ENTRIES_READ_INVALID = -1;

export class ConsumerGroup {
  readonly pel = new NackList(null);
  readonly pelMap = new Map<string, Nack>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    readonly name: string,
    public lastId: StreamID,
    public entriesRead: number,
  ) {}

  findNack(id: StreamID): Nack | undefined {
    return this.pelMap.get(id.toString());
  }

  /** Adds a new pending entry for consumer (which may be null only transiently: FORCE). */
  addNack(id: StreamID, consumer: Consumer | null, time: number, count: number): Nack {
    const n = new Nack(id, consumer, time, count);
    this.pelMap.set(id.toString(), n);
    this.pel.insert(n);
    if (consumer !== null) consumer.pel.insert(n);
    return n;
  }

  /** Acknowledges / drops a pending entry from the group and its consumer. */
  dropNack(n: Nack): void {
    if (!n.inPel) return;
    n.inPel = false;
    this.pelMap.delete(n.id.toString());
    this.pel.removed();
    if (n.consumer !== null) n.consumer.pel.removed();
  }

  /** Moves a pending entry to another consumer. */
  assign(n: Nack, to: Consumer): void {
    if (n.consumer === to) return;
    const from = n.consumer;
    n.consumer = to;
    if (from !== null) from.pel.removed();
    to.pel.insert(n);
  }

  createConsumer(name: string, now: number): Consumer {
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** Deletes a consumer and its pending entries; returns how many it had. */
  deleteConsumer(c: Consumer): number {
    const pending = c.pel.toArray();
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i];
      n.inPel = false;
      this.pelMap.delete(n.id.toString());
      this.pel.removed();
    }
    this.consumers.delete(c.name);
    return pending.length;
  }

  /** Consumers sorted by name (rax order: bytes). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

// ---- The stream -----------------------------------------------------------------------------------

/**
 * An empty node list already of the elements kind a filled one has (objects). A fresh `[]` is
 * of the small-integer kind, another array map: append() optimized on a filled stream would
 * deoptimize on the first entry of every new stream (Stream is constructed too rarely for
 * V8 to learn the literal's final kind).
 */
function emptyNodeList(): StreamNode[] {
  const a = [null] as unknown as StreamNode[];
  a.pop();
  return a;
}

/** A position in the stream: node index and entry index. */
export class StreamCursor {
  node = 0;
  entry = 0;
}

export class Stream implements RObject {
  readonly type = 'stream' as const;
  lru = 0;
  nodes: StreamNode[] = emptyNodeList();
  length = 0;
  lastId = new StreamID();
  firstId = new StreamID();
  maxDeletedId = new StreamID();
  entriesAdded = 0;
  groups: Map<string, ConsumerGroup> | null = null;

  encoding(): string {
    return 'stream';
  }

  /**
   * Appends an entry whose ID is known to be greater than lastId (streamAppendItem's storage
   * part). fv: field, value, field, value... Node limits as Redis: a new node when the tail's
   * listpack plus the new fields' bytes reach maxBytes, or it holds maxEntries entries.
   */
  append(id: StreamID, fv: string[], from: number, maxBytes: number, maxEntries: number): void {
    const nf = (fv.length - from) >> 1;
    let tot = 0;
    for (let i = from; i < fv.length; i++) tot += fv[i].length;
    let node: StreamNode | null = this.nodes.length === 0 ? null : this.nodes[this.nodes.length - 1];
    if (node !== null) {
      const maxB = maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : maxBytes;
      if (node.lpBytes() + tot >= maxB || (maxEntries !== 0 && node.n >= maxEntries)) {
        node.shrink();
        node = null;
      }
    }
    let same = false;
    if (node === null) {
      // Consecutive nodes with the same fields share one master array (never modified).
      const prev = this.nodes.length === 0 ? null : this.nodes[this.nodes.length - 1];
      let master: string[];
      if (prev !== null && sameFields(prev.master, fv, from, nf)) master = prev.master;
      else {
        master = new Array(nf);
        for (let k = 0; k < nf; k++) master[k] = fv[from + 2 * k];
      }
      // Sized for a full node up front (Redis preallocates too): no growth copies.
      const cap = maxEntries > 0 && maxEntries <= 1024 ? maxEntries : 16;
      const maxB = maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : maxBytes;
      // Data of entries like this one (values only, with their length prefixes): when the
      // node fills up with such entries, shrink() then finds nothing to trim, no copy.
      let perEntry = nf === 1 ? fv[from + 1].length : 0;
      if (nf !== 1)
        for (let k = from + 1; k < fv.length; k += 2) perEntry += varintLen(fv[k].length) + fv[k].length;
      node = new StreamNode(master, cap, Math.max(64, Math.min(maxB, perEntry * cap + 16)));
      this.nodes.push(node);
      same = true;
    } else same = sameFields(node.master, fv, from, nf);
    // Room in the arrays.
    const i = node.n;
    if (i === node.cap) {
      let cap = Math.max(8, node.cap * 2);
      if (maxEntries > 0 && cap > maxEntries) cap = Math.max(maxEntries, i + 1);
      node.relayout(cap, node.stride, node.payloadCap());
    }
    // An ID the compact form cannot hold turns the node to the full form (rare: only explicit
    // IDs far apart, or seqs of 2^32 and more).
    if (node.stride !== 4) {
      const st = i === 0 ? (id.sH !== 0 ? 4 : id.sL > 0xffff ? 2 : 1) : strideFor(node.ids, id);
      if (st > node.stride) node.relayout(node.cap, st, node.payloadCap());
    }
    const lone = same && nf === 1;
    let need = lone ? fv[from + 1].length : same ? 0 : varintLen(nf);
    if (!lone)
      for (let k = from; k < fv.length; k++) {
        if (same && ((k - from) & 1) === 0) continue;
        need += varintLen(fv[k].length) + fv[k].length;
      }
    let p = node.off(i);
    if (p + need > node.data.length) {
      node.relayout(node.cap, node.stride, Math.max(node.payloadCap() * 2, node.payloadUsed() + need));
      p = node.off(i);
    }
    const data = node.data;
    // Listpack bytes of this entry: flags, ms-diff, seq-diff, [num-fields, fields], values, lp-count.
    const ids = node.ids;
    let lb =
      2 +
      lpDiffBytes(id.msH, id.msL, ids[0], ids[1]) +
      lpDiffBytes(id.sH, id.sL, ids[2], ids[3]) +
      lpIntBytes(same ? nf + 3 : 2 * nf + 4);
    if (i === 0) {
      // the master ID is this entry's: both diffs are 0
      lb = 2 + 2 + 2 + lpIntBytes(nf + 3);
    }
    if (lone) {
      const v = fv[from + 1];
      lb += lpStrBytes(v);
      p = writeRaw(data, p, v);
    } else if (same) {
      for (let k = 0; k < nf; k++) {
        const v = fv[from + 2 * k + 1];
        lb += lpStrBytes(v);
        p = writeStr(data, p, v);
      }
    } else {
      lb += lpIntBytes(nf);
      p = writeVarint(data, p, nf);
      for (let k = from; k < fv.length; k++) {
        lb += lpStrBytes(fv[k]);
        p = writeStr(data, p, fv[k]);
      }
    }
    if (i === 0) {
      ids[0] = id.msH;
      ids[1] = id.msL;
      ids[2] = id.sH;
      ids[3] = id.sL;
    }
    storeId(ids, node.stride, i, id.msH, id.msL, id.sH, id.sL);
    node.flags[i] = same ? FLAG_SAMEFIELDS : 0;
    putOff(ids, node.oa, node.o32, i + 1, p);
    node.n = i + 1;
    node.live++;
    node.entryBytes += lb;
    this.length++;
    this.entriesAdded++;
    this.lastId.set(id);
    if (this.length === 1) this.firstId.set(id);
  }

  /** Index of the node that may hold id: the last whose master ID <= id (0 when none). */
  private nodeFor(id: StreamID): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpMaster(nodes[mid], id) <= 0) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Positions cur on the first live entry with ID >= id; false when none. */
  seekGE(id: StreamID, cur: StreamCursor): boolean {
    if (this.length === 0) return false;
    let ni = this.nodeFor(id);
    let ei = this.nodes[ni].lowerBound(id);
    for (;;) {
      const nodes = this.nodes;
      if (ni >= nodes.length) return false;
      const node = nodes[ni];
      while (ei < node.n && node.flags[ei] & FLAG_DELETED) ei++;
      if (ei < node.n) {
        cur.node = ni;
        cur.entry = ei;
        return true;
      }
      ni++;
      ei = 0;
    }
  }

  /** Positions cur on the last live entry with ID <= id; false when none. */
  seekLE(id: StreamID, cur: StreamCursor): boolean {
    if (this.length === 0) return false;
    let ni = this.nodeFor(id);
    const node0 = this.nodes[ni];
    let ei = node0.lowerBound(id);
    if (ei === node0.n || node0.cmpAt(ei, id) !== 0) ei--;
    for (;;) {
      if (ni < 0) return false;
      const node = this.nodes[ni];
      while (ei >= 0 && node.flags[ei] & FLAG_DELETED) ei--;
      if (ei >= 0) {
        cur.node = ni;
        cur.entry = ei;
        return true;
      }
      ni--;
      if (ni >= 0) ei = this.nodes[ni].n - 1;
    }
  }

  /** Moves cur to the next live entry; false at the end. */
  next(cur: StreamCursor): boolean {
    let ni = cur.node;
    let ei = cur.entry + 1;
    const nodes = this.nodes;
    while (ni < nodes.length) {
      const node = nodes[ni];
      while (ei < node.n && node.flags[ei] & FLAG_DELETED) ei++;
      if (ei < node.n) {
        cur.node = ni;
        cur.entry = ei;
        return true;
      }
      ni++;
      ei = 0;
    }
    return false;
  }

  /** Moves cur to the previous live entry; false at the start. */
  prev(cur: StreamCursor): boolean {
    let ni = cur.node;
    let ei = cur.entry - 1;
    const nodes = this.nodes;
    while (ni >= 0) {
      const node = nodes[ni];
      while (ei >= 0 && node.flags[ei] & FLAG_DELETED) ei--;
      if (ei >= 0) {
        cur.node = ni;
        cur.entry = ei;
        return true;
      }
      ni--;
      if (ni >= 0) ei = nodes[ni].n - 1;
    }
    return false;
  }

  /** Whether a live entry with exactly this ID exists. */
  has(id: StreamID): boolean {
    if (this.length === 0) return false;
    const node = this.nodes[this.nodeFor(id)];
    const i = node.lowerBound(id);
    return i < node.n && node.cmpAt(i, id) === 0 && (node.flags[i] & FLAG_DELETED) === 0;
  }

  /** The first / last live entry's ID (streamGetEdgeID skipping tombstones), or null. */
  firstLiveId(): StreamID | null {
    const cur = new StreamCursor();
    if (!this.seekGE(new StreamID(), cur)) return null;
    return idAt(this.nodes[cur.node], cur.entry);
  }

  lastLiveId(): StreamID | null {
    const cur = new StreamCursor();
    if (!this.seekLE(MAX_ID(), cur)) return null;
    return idAt(this.nodes[cur.node], cur.entry);
  }

  /** Deletes the entry with this ID (streamDeleteItem); false when absent. */
  delete(id: StreamID): boolean {
    if (this.length === 0) return false;
    const ni = this.nodeFor(id);
    const node = this.nodes[ni];
    const i = node.lowerBound(id);
    if (i === node.n || node.cmpAt(i, id) !== 0 || node.flags[i] & FLAG_DELETED) return false;
    this.length--;
    if (node.live === 1) {
      this.nodes.splice(ni, 1);
      return true;
    }
    node.flags[i] |= FLAG_DELETED;
    node.live--;
    return true;
  }

  /**
   * streamTrim: removes entries from the head, by MAXLEN (maxlen >= 0) or MINID (minid), whole
   * nodes only when approx, at most `limit` entries when limit > 0. Returns the count removed.
   */
  trim(maxlen: number, minid: StreamID | null, approx: boolean, limit: number): number {
    let deleted = 0;
    const nodes = this.nodes;
    let removeNodes = 0;
    let ni = 0;
    for (; ni < nodes.length; ni++) {
      if (minid === null && this.length <= maxlen) break;
      const node = nodes[ni];
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      let removeNode: boolean;
      if (minid === null) removeNode = this.length - entries >= maxlen;
      else removeNode = node.cmpAt(node.n - 1, minid) < 0;
      if (removeNode) {
        removeNodes++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      // Mark entries of this node as deleted until the condition holds.
      let fromLp = 0;
      for (let i = 0; i < node.n; i++) {
        const stop = minid === null ? this.length <= maxlen : node.cmpAt(i, minid) >= 0;
        if (stop) break;
        if ((node.flags[i] & FLAG_DELETED) === 0) {
          node.flags[i] |= FLAG_DELETED;
          fromLp++;
          this.length--;
        }
      }
      node.live -= fromLp;
      deleted += fromLp;
      break;
    }
    if (removeNodes !== 0) nodes.splice(0, removeNodes);
    // The recorded first entry after trimming (7.0 updates it whatever was removed).
    if (this.length === 0) this.firstId = new StreamID();
    else this.firstId = this.firstLiveId()!;
    return deleted;
  }

  // ---- Groups ----

  lookupGroup(name: string): ConsumerGroup | undefined {
    return this.groups === null ? undefined : this.groups.get(name);
  }

  /** Creates a group; null when the name is taken. */
  createGroup(name: string, id: StreamID, entriesRead: number): ConsumerGroup | null {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(name, id.copy(), entriesRead);
    this.groups.set(name, g);
    return g;
  }

  sortedGroups(): ConsumerGroup[] {
    if (this.groups === null) return [];
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * streamEstimateDistanceFromFirstEverEntry as of Redis 7.0 (without the later check of IDs
   * before the last tombstone): the logical read counter of id, or ENTRIES_READ_INVALID.
   */
  estimateDistance(id: StreamID): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && cmpID(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = cmpID(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return ENTRIES_READ_INVALID;
    const cmpFirst = cmpID(id, this.firstId);
    if (this.maxDeletedId.isZero() || cmpID(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return this.entriesAdded - this.length;
      if (cmpFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_INVALID;
  }

  /** streamRangeHasTombstones(s, start, NULL). */
  hasTombstonesFrom(start: StreamID): boolean {
    if (this.length === 0 || this.maxDeletedId.isZero()) return false;
    if (cmpID(this.firstId, this.maxDeletedId) > 0) return false;
    return cmpID(start, this.maxDeletedId) <= 0;
  }

  /** XINFO's lag of a group, or null when Redis cannot tell (streamReplyWithCGLag). */
  lag(g: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.hasTombstonesFrom(g.lastId))
      return this.entriesAdded - g.entriesRead;
    const er = this.estimateDistance(g.lastId);
    if (er !== ENTRIES_READ_INVALID) return this.entriesAdded - er;
    return null;
  }

  /** The number of nodes of the rax holding `nodes` in Redis (XINFO radix-tree-nodes). */
  raxNodes(): number {
    const m = this.nodes.length;
    if (m === 0) return 1;
    const keys: string[] = new Array(m);
    for (let i = 0; i < m; i++) {
      const ids = this.nodes[i].ids;
      let k = '';
      for (let w = 0; w < 4; w++) {
        const v = ids[w];
        k += String.fromCharCode(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
      }
      keys[i] = k;
    }
    // A compressed radix tree: the root, every child of a branching prefix, and every key or
    // branching prefix reached through a single-child chain.
    const branching = new Set<string>();
    for (let i = 0; i + 1 < m; i++) {
      const a = keys[i];
      const b = keys[i + 1];
      let l = 0;
      while (l < 16 && a.charCodeAt(l) === b.charCodeAt(l)) l++;
      branching.add(a.slice(0, l));
    }
    let count = 1 + (m >= 2 ? branching.size + m - 1 : 0);
    for (const p of branching) if (p.length > 0 && !branching.has(p.slice(0, -1))) count++;
    for (let i = 0; i < m; i++) if (!branching.has(keys[i].slice(0, 15))) count++;
    return count;
  }

  clone(): Stream {
    const s = new Stream();
    s.nodes = this.nodes.map((n) => n.clone());
    s.length = this.length;
    s.lastId = this.lastId.copy();
    s.firstId = this.firstId.copy();
    s.maxDeletedId = this.maxDeletedId.copy();
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      for (const g of this.sortedGroups()) {
        const ng = s.createGroup(g.name, g.lastId, g.entriesRead)!;
        const map = new Map<Consumer, Consumer>();
        for (const c of g.sortedConsumers()) map.set(c, ng.createConsumer(c.name, c.seenTime));
        for (const n of g.pel.toArray()) {
          ng.addNack(
            n.id.copy(),
            n.consumer === null ? null : map.get(n.consumer)!,
            n.deliveryTime,
            n.deliveryCount,
          );
        }
      }
    }
    return s;
  }

  memoryUsage(): number {
    let bytes = 16 + 64;
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      bytes += jemallocSize(n.lpBytes()) + 32;
    }
    if (this.groups !== null) {
      for (const g of this.groups.values()) {
        bytes += 64 + sdsSize(g.name.length) + g.pel.size * 48;
        for (const c of g.consumers.values()) bytes += 48 + sdsSize(c.name.length);
      }
    }
    return bytes;
  }
}
