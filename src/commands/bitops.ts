/**
 * Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
 * BITFIELD_RO, as Redis 7.0.15 behaves (argument-check order, error texts, events).
 *
 * Bitmaps are ordinary string values in the off-heap StringStore and are mutated in place:
 * SETBIT/BITFIELD grow the value with `resize` (reserving room geometrically beyond what
 * resize does for big values, so growing a bitmap bit by bit stays amortised O(1)) and write
 * the bytes of `bufferOf(h)` directly. Bit 0 is the most significant bit of byte 0.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { StringStore } from '../store/strings.js';
import { ENC_RAW } from '../store/strings.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, eq, lookupReadCounted } from './util.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify.js';
import { parseInt64 } from '../util/numbers.js';
import { BITS_IN_BYTE, popcount } from '../util/popcount.js';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BIT_ARG = 'ERR The bit argument must be 1 or 0.';
const ERR_BITFIELD_TYPE =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_OVERFLOW_TYPE = 'ERR Invalid OVERFLOW type specified';
const ERR_BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';
const ERR_BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';

// ---- low level ----------------------------------------------------------------------------

/**
 * Redis's redisBitpos over buf[start, start+count): position of the first bit equal to `bit`;
 * when none: -1 looking for a 1, count*8 looking for a 0 (the string is zero-padded).
 */
function bitposIn(buf: Buffer, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  let p = start;
  const base = buf.byteOffset;
  while (p < end && ((base + p) & 3) !== 0 && buf[p] === skip) p++;
  if (p < end && ((base + p) & 3) === 0 && end - p >= 4) {
    // Whole 32-bit words of the skipped value at a time.
    const words = (end - p) >>> 2;
    const w = new Int32Array(buf.buffer, base + p, words);
    const wskip = bit ? 0 : -1;
    let i = 0;
    while (i < words && w[i] === wskip) i++;
    p += i << 2;
  }
  while (p < end && buf[p] === skip) p++;
  if (p === end) return bit ? -1 : count * 8;
  const b = buf[p];
  for (let i = 0; i < 8; i++) if (((b >> (7 - i)) & 1) === bit) return (p - start) * 8 + i;
  return -1; // unreachable: b !== skip
}

/** A one-byte buffer for the edge bytes of BITPOS ... BIT ranges. */
const ONE = Buffer.alloc(1);

/**
 * Grows string h to at least `len` bytes, zero-filled, in place. Beyond what resize() reserves
 * (+1 MB per step over 1 MB) room is reserved geometrically, so a bitmap grown one bit at a
 * time costs amortised O(1) per SETBIT instead of a copy of the whole value every megabyte.
 */
function growZero(s: StringStore, h: number, len: number): void {
  const old = s.length(h);
  if (len <= old) return;
  if (len > s.capacityOf(h) && len > 1 << 20) {
    const want = Math.max(len, old + (old >>> 1));
    if (want > len) s.resize(h, want);
  }
  s.resize(h, len);
}

/**
 * getBitOffsetFromArgument: a bit offset of at most proto-max-bulk-len*8-1; with `hashBits`
 * > 0 the `#N` form means N*hashBits (BITFIELD). Returns -1 after replying an error.
 */
function bitOffsetArg(c: Client, arg: string, hashBits: number): number {
  const usehash = hashBits > 0 && arg.charCodeAt(0) === 35 ? 1 : 0;
  const v = parseInt64(usehash ? arg.slice(1) : arg);
  if (v === null) {
    c.error(ERR_BIT_OFFSET);
    return -1;
  }
  let off: number;
  if (usehash) {
    // long long multiplication wraps in Redis; do it exactly and wrap the same way.
    const p = typeof v === 'number' && Math.abs(v) < 2 ** 40 ? v * hashBits : null;
    off = p !== null ? p : Number(BigInt.asIntN(64, BigInt(v) * BigInt(hashBits)));
  } else off = Number(v);
  if (off < 0 || Math.floor(off / 8) >= c.server.protoMaxBulkLen) {
    c.error(ERR_BIT_OFFSET);
    return -1;
  }
  return off;
}

/** The value of a string key as a (buffer, start, length) triple for reading. */
interface Bytes {
  buf: Buffer;
  start: number;
  len: number;
}

function bytesOf(s: StringStore, h: number): Bytes {
  return { buf: s.bufferOf(h), start: s.bufferStart(h), len: s.length(h) };
}

/**
 * lookupStringForBitCommand: the string at key grown (zero-padded) so bit `maxbit` exists,
 * created when missing. Returns the handle, or -1 after replying WRONGTYPE. `grown` tells
 * whether the key was created or lengthened (such a write is always a change).
 */
let grown = false;
function stringForBits(c: Client, key: string, maxbit: number): number {
  const db = c.db;
  const s = db.strings;
  const len = Math.floor(maxbit / 8) + 1;
  const v = db.lookupWrite(key);
  grown = false;
  if (v === undefined) {
    const h = s.createZeroed(len);
    db.add(key, h);
    grown = true;
    return h;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return -1;
  }
  // dbUnshareStringValue: the value becomes raw even when it does not grow.
  s.setEncoding(v, ENC_RAW);
  if (s.length(v) < len) {
    growZero(s, v, len);
    grown = true;
  }
  return v;
}

/** Parses a start/end argument (getLongLongFromObjectOrReply); null after replying. */
function llArg(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(ERR_NOT_INTEGER);
    return null;
  }
  return Number(v);
}

// ---- SETBIT / GETBIT ----------------------------------------------------------------------

function setbitCommand(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  if (offset < 0) return;
  const on = parseInt64(argv[3]);
  if (on !== 0 && on !== 1) {
    c.error(ERR_BIT_VALUE);
    return;
  }
  const h = stringForBits(c, argv[1], offset);
  if (h < 0) return;
  const s = c.db.strings;
  const buf = s.bufferOf(h);
  const at = s.bufferStart(h) + Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = buf[at];
  // Only a real change (or a created/grown string) notifies and propagates.
  if (grown || (old & mask ? 1 : 0) !== on) {
    buf[at] = on ? old | mask : old & ~mask;
    c.server.keyModified(c.db, argv[1], NOTIFY_STRING, 'setbit');
  }
  c.out.integer(old & mask ? 1 : 0);
}

function getbitCommand(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  if (offset < 0) return;
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const s = c.db.strings;
  const byte = Math.floor(offset / 8);
  let bit = 0;
  if (byte < s.length(v)) bit = (s.bufferOf(v)[s.bufferStart(v) + byte] >> (7 - (offset % 8))) & 1;
  c.out.integer(bit);
}

// ---- BITCOUNT / BITPOS --------------------------------------------------------------------

/** BIT|BYTE argument: 1 for BIT, 0 for BYTE, -1 after replying a syntax error. */
function unitArg(c: Client, s: string): number {
  if (eq(s, 'bit')) return 1;
  if (eq(s, 'byte')) return 0;
  c.error(ERR_SYNTAX);
  return -1;
}

function bitcountCommand(c: Client, argv: string[]): void {
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const b = bytesOf(c.db.strings, v);
  const argc = argv.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5) {
    const s0 = llArg(c, argv[2]);
    if (s0 === null) return;
    const e0 = llArg(c, argv[3]);
    if (e0 === null) return;
    start = s0;
    end = e0;
    if (start < 0 && end < 0 && start > end) {
      c.out.integer(0);
      return;
    }
    let isbit = 0;
    if (argc === 5) {
      isbit = unitArg(c, argv[4]);
      if (isbit < 0) return;
    }
    const totlen = isbit ? b.len * 8 : b.len;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      // Bits of the edge bytes outside the range, subtracted after counting whole bytes.
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 2) {
    start = 0;
    end = b.len - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    c.out.integer(0);
    return;
  }
  let n = popcount(b.buf, b.start + start, b.start + end + 1);
  if (firstMask !== 0) n -= BITS_IN_BYTE[b.buf[b.start + start] & firstMask];
  if (lastMask !== 0) n -= BITS_IN_BYTE[b.buf[b.start + end] & lastMask];
  c.out.integer(n);
}

function bitposCommand(c: Client, argv: string[]): void {
  const bitArg = parseInt64(argv[2]);
  if (bitArg === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (bitArg !== 0 && bitArg !== 1) {
    c.error(ERR_BIT_ARG);
    return;
  }
  const bit = bitArg;
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) {
    // A missing key is an infinite run of zeros.
    c.out.integer(bit ? -1 : 0);
    return;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const b = bytesOf(c.db.strings, v);
  const argc = argv.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5 || argc === 6) {
    const s0 = llArg(c, argv[3]);
    if (s0 === null) return;
    start = s0;
    let isbit = 0;
    if (argc === 6) {
      isbit = unitArg(c, argv[5]);
      if (isbit < 0) return;
    }
    if (argc >= 5) {
      const e0 = llArg(c, argv[4]);
      if (e0 === null) return;
      end = e0;
      endGiven = true;
    } else end = isbit ? b.len * 8 - 1 : b.len - 1;
    const totlen = isbit ? b.len * 8 : b.len;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 3) {
    start = 0;
    end = b.len - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    c.out.integer(-1);
    return;
  }
  // The edge bytes of a BIT range are searched in a copy with the outside bits forced to
  // the value not looked for; the steps and the final adjustment follow Redis exactly.
  const p = b.buf;
  const base = b.start;
  let bytes = end - start + 1;
  let pos = -1;
  search: {
    if (firstMask !== 0) {
      let t = bit ? p[base + start] & ~firstMask : p[base + start] | firstMask;
      if (lastMask !== 0 && bytes === 1) t = bit ? t & ~lastMask : t | lastMask;
      ONE[0] = t;
      pos = bitposIn(ONE, 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const cur = bytes - (lastMask !== 0 ? 1 : 0);
    if (cur > 0) {
      pos = bitposIn(p, base + start, cur, bit);
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break search;
      start += cur;
      bytes -= cur;
    }
    ONE[0] = bit ? p[base + end] & ~lastMask : p[base + end] | lastMask;
    pos = bitposIn(ONE, 0, 1, bit);
  }
  // With an explicit end, a clear bit past the range is not in the range.
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.out.integer(-1);
    return;
  }
  if (pos !== -1) pos += start * 8;
  c.out.integer(pos);
}

// ---- BITOP --------------------------------------------------------------------------------

const OP_AND = 0;
const OP_OR = 1;
const OP_XOR = 2;
const OP_NOT = 3;

function bitopCommand(c: Client, argv: string[]): void {
  const name = argv[1];
  let op: number;
  if (eq(name, 'and')) op = OP_AND;
  else if (eq(name, 'or')) op = OP_OR;
  else if (eq(name, 'xor')) op = OP_XOR;
  else if (eq(name, 'not')) op = OP_NOT;
  else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (op === OP_NOT && argv.length !== 4) {
    c.error(ERR_BITOP_NOT);
    return;
  }
  const db = c.db;
  const s = db.strings;
  const numkeys = argv.length - 3;
  const srcs: (Bytes | null)[] = new Array<Bytes | null>(numkeys);
  let maxlen = 0;
  for (let j = 0; j < numkeys; j++) {
    const v = lookupReadCounted(c, argv[j + 3]);
    if (v === undefined) {
      srcs[j] = null;
      continue;
    }
    if (typeof v !== 'number') {
      c.error(ERR_WRONGTYPE);
      return;
    }
    const b = bytesOf(s, v);
    srcs[j] = b;
    if (b.len > maxlen) maxlen = b.len;
  }
  const dest = argv[2];
  if (maxlen === 0) {
    if (db.delete(dest)) {
      c.server.keyModified(db, dest, NOTIFY_GENERIC, 'del');
    }
    c.out.integer(0);
    return;
  }
  const res = Buffer.alloc(maxlen);
  const first = srcs[0];
  if (first !== null) first.buf.copy(res, 0, first.start, first.start + first.len);
  if (op === OP_NOT) {
    for (let i = 0; i < maxlen; i++) res[i] = ~res[i];
  } else {
    for (let j = 1; j < numkeys; j++) {
      const sj = srcs[j];
      const len = sj === null ? 0 : sj.len;
      if (op === OP_AND) {
        // Bytes past a source's end are zeros.
        if (sj !== null) for (let i = 0, q = sj.start; i < len; i++, q++) res[i] &= sj.buf[q];
        res.fill(0, len);
      } else if (sj !== null) {
        const sb = sj.buf;
        if (op === OP_OR) for (let i = 0, q = sj.start; i < len; i++, q++) res[i] |= sb[q];
        else for (let i = 0, q = sj.start; i < len; i++, q++) res[i] ^= sb[q];
      }
    }
  }
  db.lookupWrite(dest); // expires a logically expired destination first, as setKey does
  const h = s.createFromBytes(res, 0, maxlen);
  s.setEncoding(h, ENC_RAW);
  db.setKey(dest, h);
  c.server.keyModified(db, dest, NOTIFY_STRING, 'set');
  c.out.integer(maxlen);
}

// ---- BITFIELD -----------------------------------------------------------------------------

const BF_GET = 0;
const BF_SET = 1;
const BF_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface BitfieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  owtype: number;
}

/** getBitfieldTypeFromArgument: `i1`..`i64`, `u1`..`u63`; 0 after replying an error. */
function bitfieldTypeArg(c: Client, s: string): number {
  const sign = s.charCodeAt(0);
  if (sign === 105 /* i */ || sign === 117 /* u */) {
    const n = parseInt64(s.slice(1));
    if (n !== null && n >= 1 && n <= (sign === 105 ? 64 : 63)) return (sign === 105 ? 1000 : 0) + Number(n);
  }
  c.error(ERR_BITFIELD_TYPE);
  return 0;
}

/** The unsigned integer of `bits` bits at bit `offset` of buf (from byte `base`). */
function getBits(buf: Buffer, base: number, offset: number, bits: number): bigint {
  let hi = 0;
  let lo = 0;
  for (let j = 0; j < bits; j++) {
    const o = offset + j;
    const bit = (buf[base + Math.floor(o / 8)] >> (7 - (o % 8))) & 1;
    hi = ((hi << 1) | (lo >>> 31)) >>> 0;
    lo = ((lo << 1) | bit) >>> 0;
  }
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Writes the low `bits` bits of v (two's complement) at bit `offset` of buf. */
function setBits(buf: Buffer, base: number, offset: number, bits: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  const lo = Number(u & 0xffffffffn);
  const hi = Number(u >> 32n);
  for (let j = 0; j < bits; j++) {
    const k = bits - 1 - j;
    const bit = k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
    const o = offset + j;
    const at = base + Math.floor(o / 8);
    const mask = 1 << (7 - (o % 8));
    buf[at] = bit ? buf[at] | mask : buf[at] & ~mask;
  }
}

/** Outcome of an overflow check: the value to store and whether it overflowed. */
let overflowed = false;

/** The signed field value for old + incr under owtype (check/SignedBitfieldOverflow). */
function signedResult(sum: bigint, bits: number, owtype: number): bigint {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  overflowed = sum > max || sum < min;
  if (!overflowed) return sum;
  if (owtype === OW_SAT) return sum > max ? max : min;
  return BigInt.asIntN(bits, sum);
}

/** The unsigned field value for u + incr under owtype (u is the value as uint64). */
function unsignedResult(u: bigint, incr: bigint, bits: number, owtype: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  const sum = u + incr;
  if (u > max || sum > max) {
    overflowed = true;
    return owtype === OW_SAT ? max : BigInt.asUintN(bits, sum);
  }
  if (sum < 0n) {
    overflowed = true;
    return owtype === OW_SAT ? 0n : BigInt.asUintN(bits, sum);
  }
  overflowed = false;
  return sum;
}

function bitfieldGeneric(c: Client, argv: string[], readonlyCmd: boolean): void {
  const ops: BitfieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j];
    let opcode: number;
    if (rem >= 2 && eq(sub, 'get')) opcode = BF_GET;
    else if (rem >= 3 && eq(sub, 'set')) opcode = BF_SET;
    else if (rem >= 3 && eq(sub, 'incrby')) opcode = BF_INCRBY;
    else if (rem >= 1 && eq(sub, 'overflow')) {
      const t = argv[++j];
      if (eq(t, 'wrap')) owtype = OW_WRAP;
      else if (eq(t, 'sat')) owtype = OW_SAT;
      else if (eq(t, 'fail')) owtype = OW_FAIL;
      else {
        c.error(ERR_OVERFLOW_TYPE);
        return;
      }
      continue;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
    const type = bitfieldTypeArg(c, argv[j + 1]);
    if (type === 0) return;
    const signed = type > 1000;
    const bits = signed ? type - 1000 : type;
    const offset = bitOffsetArg(c, argv[j + 2], bits);
    if (offset < 0) return;
    let value = 0n;
    if (opcode !== BF_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = parseInt64(argv[j + 3]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      value = BigInt(v);
    }
    ops.push({ opcode, offset, bits, signed, value, owtype });
    j += opcode === BF_GET ? 2 : 3;
  }

  const db = c.db;
  const s = db.strings;
  let h = -1;
  let isNew = false; // created or grown: every successful write counts as a change
  if (readonly) {
    const v = lookupReadCounted(c, argv[1]);
    if (v !== undefined) {
      if (typeof v !== 'number') {
        c.error(ERR_WRONGTYPE);
        return;
      }
      h = v;
    }
  } else {
    if (readonlyCmd) {
      c.error(ERR_BITFIELD_RO);
      return;
    }
    h = stringForBits(c, argv[1], highest);
    if (h < 0) return;
    isNew = grown;
  }

  c.out.array(ops.length);
  let changes = 0;
  for (const op of ops) {
    if (op.opcode === BF_GET) {
      // Reads past the end see zeros.
      let val = 0n;
      if (h >= 0) {
        const buf = s.bufferOf(h);
        const base = s.bufferStart(h);
        const len = s.length(h);
        const byte = Math.floor(op.offset / 8);
        const tmp = BF_TMP;
        tmp.fill(0);
        for (let i = 0; i < 9 && byte + i < len; i++) tmp[i] = buf[base + byte + i];
        val = getBits(tmp, 0, op.offset - byte * 8, op.bits);
      }
      if (op.signed) val = BigInt.asIntN(op.bits, val);
      c.out.integer(Number.isSafeInteger(Number(val)) ? Number(val) : val);
      continue;
    }
    // The string was grown to cover every write: read and write it in place.
    const buf = s.bufferOf(h);
    const base = s.bufferStart(h);
    const raw = getBits(buf, base, op.offset, op.bits);
    let oldval: bigint;
    let newval: bigint;
    let retval: bigint;
    if (op.signed) {
      oldval = BigInt.asIntN(op.bits, raw);
      if (op.opcode === BF_INCRBY) {
        newval = signedResult(oldval + op.value, op.bits, op.owtype);
        retval = newval;
      } else {
        newval = signedResult(op.value, op.bits, op.owtype);
        retval = oldval;
      }
    } else {
      oldval = raw;
      if (op.opcode === BF_INCRBY) {
        newval = unsignedResult(oldval, op.value, op.bits, op.owtype);
        retval = newval;
      } else {
        // A negative SET value is a huge uint64 to Redis: it overflows (SAT gives the max).
        newval = unsignedResult(BigInt.asUintN(64, op.value), 0n, op.bits, op.owtype);
        retval = oldval;
      }
    }
    if (overflowed && op.owtype === OW_FAIL) {
      c.out.nullBulk();
      continue;
    }
    c.out.integer(Number.isSafeInteger(Number(retval)) ? Number(retval) : retval);
    setBits(buf, base, op.offset, op.bits, newval);
    if (isNew || oldval !== newval) changes++;
  }
  if (changes > 0) {
    c.server.keyModified(db, argv[1], NOTIFY_STRING, 'setbit');
    c.server.dirty += changes - 1;
  }
}

const BF_TMP = Buffer.alloc(9);

function bitfieldCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldRoCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

// ---- table --------------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: [number, number, number],
  since: string,
  summary: string,
  handler: CommandSpec['handler'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    acl: ['bitmap'],
    handler,
    since,
    group: 'bitmap',
    summary,
  };
}

export const specs: CommandSpec[] = [
  spec(
    'setbit',
    4,
    ['write', 'denyoom'],
    [1, 1, 1],
    '2.2.0',
    'Sets or clears the bit at offset in the string value stored at key',
    setbitCommand,
  ),
  spec(
    'getbit',
    3,
    ['readonly', 'fast'],
    [1, 1, 1],
    '2.2.0',
    'Returns the bit value at offset in the string value stored at key',
    getbitCommand,
  ),
  spec('bitcount', -2, ['readonly'], [1, 1, 1], '2.6.0', 'Count set bits in a string', bitcountCommand),
  spec(
    'bitpos',
    -3,
    ['readonly'],
    [1, 1, 1],
    '2.8.7',
    'Find first bit set or clear in a string',
    bitposCommand,
  ),
  spec(
    'bitop',
    -4,
    ['write', 'denyoom'],
    [2, -1, 1],
    '2.6.0',
    'Perform bitwise operations between strings',
    bitopCommand,
  ),
  spec(
    'bitfield',
    -2,
    ['write', 'denyoom'],
    [1, 1, 1],
    '3.2.0',
    'Perform arbitrary bitfield integer operations on strings',
    bitfieldCommand,
  ),
  spec(
    'bitfield_ro',
    -2,
    ['readonly', 'fast'],
    [1, 1, 1],
    '6.0.0',
    'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    bitfieldRoCommand,
  ),
];
