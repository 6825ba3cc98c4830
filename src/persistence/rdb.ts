/**
 * RDB files and DUMP payloads in Redis's format (rdb.c / rdb.h; RDB version 10 = Redis 7.0).
 *
 * Writer: `RdbOut` accumulates bytes in a buffer that is handed to a sink in large chunks
 * (a file descriptor for SAVE/BGSAVE, memory for DUMP) with the CRC-64 kept on the way;
 * `writeKeyValue` / `writeObject` serialise one key the way rdbSaveKeyValuePair does,
 * choosing the RDB type from the value's encoding as Redis would.
 *
 * Reader: `RdbParser` reads a whole buffer; `loadObject` decodes any value type Redis 7.0
 * writes or loads (and the older ziplist/zipmap encodings) into Respite's types through
 * their public APIs, with the encoding thresholds of the running configuration. Types
 * without a Respite implementation (streams, until that type lands) are parsed and skipped
 * key by key; `typeDecoders` lets a type register its own decoder.
 */
import type { StringStore } from '../store/strings.js';
import { ENC_INT } from '../store/strings.js';
import { isString, type RObject, type Value } from '../store/database.js';
import { ListValue } from '../store/types/list.js';
import { HashObject } from '../store/types/hash.js';
import { SetObject } from '../store/types/set.js';
import { ZSet } from '../store/types/zset.js';
import { Crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { canonicalInt, decodeListpack, encodeListpack, FormatError, lpEntrySize } from './listpack.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';
import { decodeIntset, encodeIntset } from './intset.js';
import { formatDouble } from '../util/numbers.js';

export const RDB_VERSION = 10;

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_PRE_GA = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_SET_LISTPACK = 20;
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

const RDB_ENC_INT8 = 0;
const RDB_ENC_INT16 = 1;
const RDB_ENC_INT32 = 2;
const RDB_ENC_LZF = 3;

const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;
/** quicklist's SIZE_SAFETY_LIMIT / list-max-listpack-size -2 (8 KB) and its estimate overhead. */
const QUICKLIST_NODE_MAX_BYTES = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/** Options that shape how values are written. */
export interface WriteOptions {
  compression: boolean;
}

// ---- Writer ---------------------------------------------------------------------------------

/**
 * Output buffer with a running CRC-64. Full chunks go to `sink` (when set); without a sink
 * everything stays in memory (DUMP). `written` counts every byte produced.
 */
export class RdbOut {
  buf: Buffer;
  pos = 0;
  written = 0;
  readonly crc = new Crc64();
  private lzfOut: Buffer = Buffer.allocUnsafe(0);

  constructor(
    readonly opts: WriteOptions,
    private readonly sink: ((chunk: Buffer) => void) | null = null,
    private readonly chunkSize = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(sink === null ? 256 : chunkSize + 1024);
  }

  private need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink !== null && this.pos > 0) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Hands the buffered bytes to the sink (checksummed). */
  flush(): void {
    if (this.sink === null || this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.crc.update(chunk);
    this.written += this.pos;
    this.sink(chunk);
    this.pos = 0;
  }

  /** Flushes when a full chunk has accumulated (callers check between keys). */
  maybeFlush(): void {
    if (this.sink !== null && this.pos >= this.chunkSize) this.flush();
  }

  /** In-memory mode: the bytes so far, checksummed. */
  take(): Buffer {
    const b = this.buf.subarray(0, this.pos);
    return b;
  }

  byte(b: number): void {
    this.need(1);
    this.buf[this.pos++] = b;
  }

  raw(b: Buffer, start = 0, end = b.length): void {
    const n = end - start;
    this.need(n);
    b.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  latin1(s: string): void {
    this.need(s.length);
    if (s.length > 0) this.pos += this.buf.latin1Write(s, this.pos, s.length);
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian lengths. */
  len(n: number): void {
    this.need(9);
    const b = this.buf;
    if (n < 64) b[this.pos++] = n;
    else if (n < 16384) {
      b[this.pos++] = 0x40 | (n >> 8);
      b[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = 0x80;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** A millisecond time (EXPIRETIME_MS and friends): int64 little-endian. */
  ms(t: number | bigint): void {
    this.need(8);
    this.buf.writeBigInt64LE(BigInt(t), this.pos);
    this.pos += 8;
  }

  binDouble(d: number): void {
    this.need(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** rdbSaveRawString from a latin1 string. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const c0 = s.charCodeAt(0);
      if (((c0 >= 48 && c0 <= 57) || c0 === 45) && this.tryInt(s)) return;
    }
    if (this.opts.compression && n > 20) {
      const tmp = Buffer.from(s, 'latin1');
      if (this.tryLzf(tmp, 0, n)) return;
    }
    this.len(n);
    this.latin1(s);
  }

  /** rdbSaveRawString from bytes. */
  bytes(b: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 11 && n > 0) {
      // Only text that starts like an integer is worth a string for the int check.
      const c0 = b[start];
      if (((c0 >= 48 && c0 <= 57) || c0 === 45) && this.tryInt(b.latin1Slice(start, end))) return;
    }
    if (this.opts.compression && n > 20 && this.tryLzf(b, start, end)) return;
    this.len(n);
    this.raw(b, start, end);
  }

  /** rdbTryIntegerEncoding: canonical integers that fit 32 bits. */
  private tryInt(s: string): boolean {
    const v = canonicalInt(s);
    if (v === null || typeof v !== 'number') return false;
    this.need(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0 | RDB_ENC_INT8;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc0 | RDB_ENC_INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[this.pos++] = 0xc0 | RDB_ENC_INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else return false;
    return true;
  }

  /** rdbSaveLzfStringObject: only when the result saves at least 4 bytes. */
  private tryLzf(src: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n <= 4) return false;
    if (this.lzfOut.length < n) this.lzfOut = Buffer.allocUnsafe(Math.max(n, 1024));
    const clen = lzfCompress(src, start, end, this.lzfOut, n - 4);
    if (clen === 0) return false;
    this.byte(0xc0 | RDB_ENC_LZF);
    this.len(clen);
    this.len(n);
    this.raw(this.lzfOut, 0, clen);
    return true;
  }
}

/** Per-type serialisers for types that live outside this file (streams register here). */
export interface TypeEncoder {
  /** The RDB type byte for this value. */
  rdbType(v: RObject): number;
  write(out: RdbOut, v: RObject): void;
}
export const typeEncoders = new Map<string, TypeEncoder>();

/** The RDB type byte of a value (rdbSaveObjectType). */
export function rdbTypeOf(v: Value): number {
  if (isString(v)) return RDB_TYPE_STRING;
  switch (v.type) {
    case 'list':
      return RDB_TYPE_LIST_QUICKLIST_2;
    case 'set':
      return (v as SetObject).isIntset ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case 'hash':
      return (v as HashObject).lp !== null ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case 'zset':
      return (v as ZSet).isListpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    default: {
      const enc = typeEncoders.get(v.type);
      if (enc === undefined) throw new Error(`no RDB encoder for type ${v.type}`);
      return enc.rdbType(v);
    }
  }
}

/**
 * A zset score as Redis's listpack stores it (d2string in 7.0): integers within ±2^52 as
 * integers, everything else as %.17g text.
 */
export function zsetScoreText(d: number): string {
  if (d > -4503599627370495 && d < 4503599627370496 && Number.isInteger(d))
    return d === 0 ? (1 / d < 0 ? '-0' : '0') : String(d);
  return formatDouble(d);
}

/** rdbSaveObject: the value's payload (after the type byte). */
export function writeObject(out: RdbOut, v: Value, strings: StringStore): void {
  if (isString(v)) {
    if (strings.encoding(v) === ENC_INT) {
      out.string(strings.toString(v));
      return;
    }
    const start = strings.bufferStart(v);
    out.bytes(strings.bufferOf(v), start, start + strings.length(v));
    return;
  }
  switch (v.type) {
    case 'list':
      writeQuicklist(out, v as ListValue);
      return;
    case 'set': {
      const s = v as SetObject;
      const n = s.size;
      if (s.isIntset) {
        const vals: (number | bigint)[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const m = s.memberAt(i);
          const x = canonicalInt(m);
          vals[i] = x === null ? 0 : x;
        }
        const blob = encodeIntset(vals, s.intsetWidth());
        out.bytes(blob, 0, blob.length);
        return;
      }
      out.len(n);
      for (let i = 0; i < n; i++) out.string(s.memberAt(i));
      return;
    }
    case 'hash': {
      const h = v as HashObject;
      if (h.lp !== null) {
        const lp = encodeListpack(h.lpEntries());
        out.bytes(lp, 0, lp.length);
        return;
      }
      const n = h.length;
      out.len(n);
      for (let i = 0; i < n; i++) {
        out.string(h.fieldAt(i));
        out.string(h.valueAt(i));
      }
      return;
    }
    case 'zset': {
      const z = v as ZSet;
      if (z.zsl === null) {
        const e = z.lpEle!;
        const s = z.lpScore!;
        const items: string[] = new Array(e.length * 2);
        for (let i = 0; i < e.length; i++) {
          items[2 * i] = e[i];
          items[2 * i + 1] = zsetScoreText(s[i]);
        }
        const lp = encodeListpack(items);
        out.bytes(lp, 0, lp.length);
        return;
      }
      // From the tail to the head, as Redis does (loading then inserts at the head).
      const zsl = z.zsl;
      out.len(zsl.length);
      for (let x = zsl.tail; x !== 0; x = zsl.prevOf(x)) {
        out.string(zsl.eleOf(x));
        out.binDouble(zsl.scoreOf(x));
      }
      return;
    }
    default: {
      const enc = typeEncoders.get(v.type);
      if (enc === undefined) throw new Error(`no RDB encoder for type ${v.type}`);
      enc.write(out, v);
    }
  }
}

/**
 * QUICKLIST_2: listpack nodes split where Redis's quicklist (list-max-listpack-size -2)
 * would split a list built by RPUSH: a node takes an element while its size plus the
 * element plus 8 stays within 8 KB.
 */
function writeQuicklist(out: RdbOut, l: ListValue): void {
  const n = l.length;
  const nodes: string[][] = [];
  let cur: string[] = [];
  let curBytes = 7;
  for (let i = 0; i < n; i++) {
    const s = l.at(i);
    if (cur.length > 0 && curBytes + s.length + SIZE_ESTIMATE_OVERHEAD > QUICKLIST_NODE_MAX_BYTES) {
      nodes.push(cur);
      cur = [];
      curBytes = 7;
    }
    cur.push(s);
    curBytes += lpEntrySize(s);
  }
  if (cur.length > 0) nodes.push(cur);
  out.len(nodes.length);
  for (const node of nodes) {
    out.len(QUICKLIST_NODE_CONTAINER_PACKED);
    const lp = encodeListpack(node);
    out.bytes(lp, 0, lp.length);
  }
}

/** The LRU/LFU words saved with a key (rdbSaveKeyValuePair's IDLE / FREQ opcodes). */
export interface KeyMeta {
  expireMs: number | bigint;
  /** Seconds idle, or -1. */
  idle: number;
  /** LFU counter, or -1. */
  freq: number;
}

/** rdbSaveKeyValuePair: [EXPIRETIME_MS] [IDLE|FREQ] type key value. */
export function writeKeyValue(out: RdbOut, key: string, v: Value, meta: KeyMeta, strings: StringStore): void {
  if (meta.expireMs !== -1) {
    out.byte(RDB_OPCODE_EXPIRETIME_MS);
    out.ms(meta.expireMs);
  }
  if (meta.idle >= 0) {
    out.byte(RDB_OPCODE_IDLE);
    out.len(meta.idle);
  }
  if (meta.freq >= 0) {
    out.byte(RDB_OPCODE_FREQ);
    out.byte(meta.freq);
  }
  out.byte(rdbTypeOf(v));
  out.string(key);
  writeObject(out, v, strings);
}

export function writeHeader(out: RdbOut, aux: [string, string][]): void {
  out.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
  for (const [k, v] of aux) {
    out.byte(RDB_OPCODE_AUX);
    out.string(k);
    out.string(v);
  }
}

export function writeSelectDb(out: RdbOut, id: number, size: number, expires: number): void {
  out.byte(RDB_OPCODE_SELECTDB);
  out.len(id);
  if (size >= 0) {
    out.byte(RDB_OPCODE_RESIZEDB);
    out.len(size);
    out.len(expires);
  }
}

/** EOF and the checksum (zeros when rdbchecksum is off). Flushes everything to the sink. */
export function writeFooter(out: RdbOut, checksum: boolean): void {
  out.byte(RDB_OPCODE_EOF);
  out.flush();
  const tail = Buffer.alloc(8);
  if (checksum) {
    const c = new Crc64();
    c.lo = out.crc.lo;
    c.hi = out.crc.hi;
    if (out.pos > 0) c.update(out.buf, 0, out.pos); // in-memory mode
    c.writeLE(tail, 0);
  }
  out.raw(tail);
  out.flush();
}

/** DUMP's payload: type, value, RDB version (u16 LE), CRC-64 of all that (createDumpPayload). */
export function createDumpPayload(v: Value, strings: StringStore, opts: WriteOptions): Buffer {
  const out = new RdbOut(opts);
  out.byte(rdbTypeOf(v));
  writeObject(out, v, strings);
  out.byte(RDB_VERSION & 0xff);
  out.byte(RDB_VERSION >> 8);
  const body = out.take();
  const c = new Crc64();
  c.update(body);
  const res = Buffer.allocUnsafe(body.length + 8);
  body.copy(res, 0);
  c.writeLE(res, body.length);
  return res;
}

/** verifyDumpPayload: the version is not newer than ours and the checksum matches. */
export function verifyDumpPayload(p: Buffer, skipChecksum: boolean): boolean {
  if (p.length < 10) return false;
  const ver = p[p.length - 10] | (p[p.length - 9] << 8);
  if (ver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  const c = new Crc64();
  c.update(p, 0, p.length - 8);
  return c.equalsLE(p, p.length - 8);
}

// ---- Reader ---------------------------------------------------------------------------------

export class RdbError extends Error {}

/** Reads RDB primitives from a buffer. Errors throw RdbError ("short read" at the end). */
export class RdbParser {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  private ensure(n: number): void {
    if (this.pos + n > this.end) throw new RdbError('Short read');
  }

  byte(): number {
    this.ensure(1);
    return this.buf[this.pos++];
  }

  u32le(): number {
    this.ensure(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A millisecond time (int64 LE), as a number (exact below 2^53) or bigint. */
  ms(): number | bigint {
    this.ensure(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }

  binDouble(): number {
    this.ensure(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadLen; `encoded` tells a special string encoding (value = RDB_ENC_*). */
  encoded = false;
  len(): number {
    this.encoded = false;
    const b = this.byte();
    const t = b >> 6;
    if (t === 0) return b & 0x3f;
    if (t === 1) return ((b & 0x3f) << 8) | this.byte();
    if (t === 3) {
      this.encoded = true;
      return b & 0x3f;
    }
    if (b === 0x80) {
      this.ensure(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.ensure(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      // 64-bit fields (stream IDs, entries_read = -1 as u64) may exceed 2^53: callers that
      // use them as counts fail on the short read that follows.
      return Number(v);
    }
    throw new RdbError(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  /** A plain length (not a string encoding). */
  plainLen(): number {
    const n = this.len();
    if (this.encoded) throw new RdbError('unexpected encoded length');
    return n;
  }

  /**
   * A string's bytes as [buf, start, end] in `sb`/`ss`/`se` (int-encoded strings come back
   * as their decimal text, LZF ones decompressed).
   */
  sb: Buffer = Buffer.alloc(0);
  ss = 0;
  se = 0;
  stringBytes(): void {
    const n = this.len();
    if (this.encoded) {
      let text: string;
      switch (n) {
        case RDB_ENC_INT8:
          this.ensure(1);
          text = String(this.buf.readInt8(this.pos));
          this.pos += 1;
          break;
        case RDB_ENC_INT16:
          this.ensure(2);
          text = String(this.buf.readInt16LE(this.pos));
          this.pos += 2;
          break;
        case RDB_ENC_INT32:
          this.ensure(4);
          text = String(this.buf.readInt32LE(this.pos));
          this.pos += 4;
          break;
        case RDB_ENC_LZF: {
          const clen = this.plainLen();
          const len = this.plainLen();
          this.ensure(clen);
          const out = lzfDecompress(this.buf, this.pos, this.pos + clen, len);
          if (out === null) throw new RdbError('Invalid LZF compressed string');
          this.pos += clen;
          this.sb = out;
          this.ss = 0;
          this.se = len;
          return;
        }
        default:
          throw new RdbError(`Unknown RDB string encoding type ${n}`);
      }
      this.sb = Buffer.from(text, 'latin1');
      this.ss = 0;
      this.se = this.sb.length;
      return;
    }
    this.ensure(n);
    this.sb = this.buf;
    this.ss = this.pos;
    this.se = this.pos + n;
    this.pos += n;
  }

  string(): string {
    this.stringBytes();
    return this.sb.latin1Slice(this.ss, this.se);
  }

  /** A string as its own Buffer (blobs: listpacks, ziplists, intsets). */
  blob(): Buffer {
    this.stringBytes();
    return this.sb.subarray(this.ss, this.se);
  }

  /** rdbLoadDoubleValue: the text form of doubles (old ZSET type). */
  textDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    this.ensure(n);
    const s = this.buf.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    const d = Number(s);
    if (Number.isNaN(d) && !/^\s*nan/i.test(s)) throw new RdbError('bad double value');
    return d;
  }

  skip(n: number): void {
    this.ensure(n);
    this.pos += n;
  }
}

/** What decoding needs from the server: the string store and the encoding thresholds. */
export interface LoadContext {
  strings: StringStore;
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  warn(msg: string): void;
}

/** A decoder for an RDB value type; returns null when the key is to be skipped. */
export type TypeDecoder = (p: RdbParser, type: number, ctx: LoadContext, key: string) => Value | null;
export const typeDecoders = new Map<number, TypeDecoder>();

export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

function listFrom(items: string[], l: ListValue | null): ListValue {
  const list = l ?? new ListValue();
  for (let i = 0; i < items.length; i++) list.pushTail(items[i]);
  return list;
}

function hashFrom(pairs: string[], ctx: LoadContext): HashObject {
  const h = new HashObject();
  const n = pairs.length >> 1;
  if (n > ctx.hashMaxListpackEntries) h.toHashtable();
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const isNew = h.set(pairs[i], pairs[i + 1], false, ctx.hashMaxListpackEntries, ctx.hashMaxListpackValue);
    if (!isNew) throw new RdbError('Duplicate hash fields detected');
  }
  return h;
}

/** A score stored as text in a listpack/ziplist (d2string output, or an integer). */
function scoreFromText(s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const d = Number(s);
  if (Number.isNaN(d)) throw new RdbError('Zset with NAN score detected');
  return d;
}

function zsetFrom(eles: string[], scores: number[], ctx: LoadContext): ZSet {
  const n = eles.length;
  const limits = { maxEntries: ctx.zsetMaxListpackEntries, maxValue: ctx.zsetMaxListpackValue };
  const z = new ZSet(n > limits.maxEntries);
  let maxlen = 0;
  for (let i = 0; i < n; i++) {
    const ele = eles[i];
    const score = scores[i];
    if (ele.length > maxlen) maxlen = ele.length;
    if (z.has(ele)) throw new RdbError('Duplicate zset fields detected');
    z.add(score, ele, 0, limits);
  }
  if (z.zsl !== null) z.shrinkIfNeeded(maxlen, limits);
  return z;
}

function setFrom(members: string[], ctx: LoadContext): SetObject {
  const s = members.length > ctx.setMaxIntsetEntries ? SetObject.emptyHashtable() : SetObject.emptyIntset();
  for (const m of members) {
    if (!s.add(m, ctx.setMaxIntsetEntries)) throw new RdbError('Duplicate set members detected');
  }
  return s;
}

/** rdbLoadObject: one value of RDB type `type`; null when it is skipped (empty, unsupported). */
export function loadObject(p: RdbParser, type: number, ctx: LoadContext, key: string): Value | null {
  switch (type) {
    case RDB_TYPE_STRING: {
      p.stringBytes();
      const len = p.se - p.ss;
      // Values that may be integers go through a latin1 string so the store picks the int
      // encoding as Redis's tryObjectEncoding; the rest are copied as bytes.
      if (len === 0 || len > 20) return ctx.strings.createFromBytes(p.sb, p.ss, p.se);
      const c0 = p.sb[p.ss];
      if ((c0 >= 48 && c0 <= 57) || c0 === 45) return ctx.strings.create(p.sb.latin1Slice(p.ss, p.se));
      return ctx.strings.createFromBytes(p.sb, p.ss, p.se);
    }
    case RDB_TYPE_LIST: {
      const n = p.plainLen();
      const items: string[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = p.string();
      return n === 0 ? null : listFrom(items, null);
    }
    case RDB_TYPE_LIST_ZIPLIST: {
      const items = decodeZiplist(p.blob());
      return items.length === 0 ? null : listFrom(items, null);
    }
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = p.plainLen();
      let l: ListValue | null = null;
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = p.plainLen();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN)
            throw new RdbError(`Quicklist integrity check failed.`);
        }
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          l = listFrom([p.string()], l);
          continue;
        }
        const blob = p.blob();
        const items = type === RDB_TYPE_LIST_QUICKLIST ? decodeZiplist(blob) : decodeListpack(blob);
        if (items.length === 0) continue; // Redis skips empty nodes
        l = listFrom(items, l);
      }
      return l;
    }
    case RDB_TYPE_SET: {
      const n = p.plainLen();
      const members: string[] = new Array(n);
      for (let i = 0; i < n; i++) members[i] = p.string();
      return n === 0 ? null : setFrom(members, ctx);
    }
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_SET_LISTPACK: {
      const blob = p.blob();
      const members = type === RDB_TYPE_SET_INTSET ? decodeIntset(blob) : decodeListpack(blob);
      return members.length === 0 ? null : setFrom(members, ctx);
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: {
      const n = p.plainLen();
      const eles: string[] = new Array(n);
      const scores: number[] = new Array(n);
      for (let i = 0; i < n; i++) {
        eles[i] = p.string();
        const d = type === RDB_TYPE_ZSET_2 ? p.binDouble() : p.textDouble();
        if (Number.isNaN(d)) throw new RdbError('Zset with NAN score detected');
        scores[i] = d;
      }
      return n === 0 ? null : zsetFrom(eles, scores, ctx);
    }
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      const blob = p.blob();
      const items = type === RDB_TYPE_ZSET_ZIPLIST ? decodeZiplist(blob) : decodeListpack(blob);
      if (items.length % 2 !== 0) throw new RdbError('Zset listpack integrity check failed.');
      const eles: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < items.length; i += 2) {
        eles.push(items[i]);
        scores.push(scoreFromText(items[i + 1]));
      }
      return items.length === 0 ? null : zsetFrom(eles, scores, ctx);
    }
    case RDB_TYPE_HASH: {
      const n = p.plainLen();
      const pairs: string[] = new Array(n * 2);
      for (let i = 0; i < 2 * n; i++) pairs[i] = p.string();
      return n === 0 ? null : hashFrom(pairs, ctx);
    }
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
      const blob = p.blob();
      const items =
        type === RDB_TYPE_HASH_ZIPMAP
          ? decodeZipmap(blob)
          : type === RDB_TYPE_HASH_ZIPLIST
            ? decodeZiplist(blob)
            : decodeListpack(blob);
      if (items.length % 2 !== 0) throw new RdbError('Hash listpack integrity check failed.');
      return items.length === 0 ? null : hashFrom(items, ctx);
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3: {
      const dec = typeDecoders.get(type);
      if (dec !== undefined) return dec(p, type, ctx, key);
      skipStream(p, type);
      ctx.warn(`Skipping key '${key}': streams are not supported by this version of Respite`);
      return null;
    }
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2: {
      const dec = typeDecoders.get(type);
      if (dec !== undefined) return dec(p, type, ctx, key);
      throw new RdbError("The RDB file contains module data I can't load: no matching module");
    }
    default:
      throw new RdbError(`Unknown RDB encoding type ${type}`);
  }
}

/** Parses a stream value without building it (RDB_TYPE_STREAM_LISTPACKS, _2, _3). */
export function skipStream(p: RdbParser, type: number): void {
  const nodes = p.plainLen();
  for (let i = 0; i < nodes; i++) {
    p.stringBytes(); // master ID (16 bytes)
    p.stringBytes(); // listpack
  }
  p.plainLen(); // length
  p.plainLen(); // last id ms
  p.plainLen(); // last id seq
  if (type >= RDB_TYPE_STREAM_LISTPACKS_2) {
    p.plainLen(); // first id ms
    p.plainLen(); // first id seq
    p.plainLen(); // max deleted ms
    p.plainLen(); // max deleted seq
    p.plainLen(); // entries added
  }
  const groups = p.plainLen();
  for (let g = 0; g < groups; g++) {
    p.stringBytes(); // name
    p.plainLen();
    p.plainLen(); // last id
    if (type >= RDB_TYPE_STREAM_LISTPACKS_2) p.plainLen(); // entries read
    const pel = p.plainLen();
    for (let i = 0; i < pel; i++) {
      p.skip(16); // raw id
      p.skip(8); // delivery time
      p.plainLen(); // delivery count
    }
    const consumers = p.plainLen();
    for (let c = 0; c < consumers; c++) {
      p.stringBytes(); // name
      p.skip(8); // seen time
      if (type >= RDB_TYPE_STREAM_LISTPACKS_3) p.skip(8); // active time
      const cpel = p.plainLen();
      p.skip(16 * cpel);
    }
  }
}

/** Skips a module value or module aux payload (the self-describing RDB_MODULE_OPCODE_* form). */
export function skipModuleValue(p: RdbParser): void {
  for (;;) {
    const op = p.plainLen();
    switch (op) {
      case 0: // EOF
        return;
      case 1: // SINT
      case 2: // UINT
        p.plainLen();
        break;
      case 3: // FLOAT
        p.skip(4);
        break;
      case 4: // DOUBLE
        p.skip(8);
        break;
      case 5: // STRING
        p.stringBytes();
        break;
      default:
        throw new RdbError(`Unknown module opcode ${op}`);
    }
  }
}

export { FormatError };
