/**
 * Listpacks (Redis's listpack.c): the byte format of small hashes, sorted sets and quicklist
 * nodes in RDB files. The encoder produces exactly the bytes Redis does for the same entries
 * (so DUMP payloads compare equal); the decoder accepts any valid listpack.
 *
 * Layout: total bytes (u32 LE), entry count (u16 LE, 65535 = unknown), entries, 0xFF. An
 * entry is an encoding byte (and length), the data, and its own length backwards ("backlen").
 */

export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;

const INT64_MIN_ABS = 9223372036854775808n;

/**
 * The int64 a string denotes when Redis's string2ll accepts it (canonical decimal: no sign
 * other than '-', no leading zeros, no "-0", at most 20 chars, in range), else null.
 */
export function canonicalInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) {
    i = 1;
    if (n === 1) return null;
  }
  const c0 = s.charCodeAt(i);
  if (c0 === 48) return n === 1 ? 0 : null;
  if (c0 < 49 || c0 > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const digits = n - i;
  if (digits < 16) return Number(s);
  const b = BigInt(s);
  if (neg ? -b > INT64_MIN_ABS : b > INT64_MIN_ABS - 1n) return null;
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** Growable output buffer for building listpacks and ziplists. */
class Out {
  buf = Buffer.allocUnsafe(256);
  pos = 0;
  need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function writeBacklen(o: Out, l: number): void {
  const b = o.buf;
  let p = o.pos;
  const n = backlenSize(l);
  // Most significant 7-bit group first; every byte but the first carries the 128 flag.
  for (let k = n - 1; k >= 0; k--) {
    const group = Math.floor(l / 2 ** (7 * k)) & 127;
    b[p++] = k === n - 1 ? group : group | 128;
  }
  o.pos = p;
}

function appendInt(o: Out, v: number | bigint): void {
  let hdr: number;
  if (typeof v === 'number' && v >= 0 && v <= 127) {
    o.need(2);
    o.buf[o.pos++] = v;
    o.buf[o.pos++] = 1;
    return;
  }
  if (typeof v === 'number' && v >= -4096 && v <= 4095) {
    const u = v < 0 ? (1 << 13) + v : v;
    o.need(3);
    o.buf[o.pos++] = 0xc0 | (u >> 8);
    o.buf[o.pos++] = u & 0xff;
    o.buf[o.pos++] = 2;
    return;
  }
  let size: number;
  if (typeof v === 'number' && v >= -32768 && v <= 32767) {
    hdr = 0xf1;
    size = 2;
  } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
    hdr = 0xf2;
    size = 3;
  } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
    hdr = 0xf3;
    size = 4;
  } else {
    hdr = 0xf4;
    size = 8;
  }
  o.need(size + 2);
  o.buf[o.pos++] = hdr;
  if (size === 8) o.buf.writeBigInt64LE(BigInt(v), o.pos);
  else o.buf.writeIntLE(v as number, o.pos, size);
  o.pos += size;
  o.buf[o.pos++] = size + 1;
}

function appendStr(o: Out, s: string): void {
  const len = s.length;
  let hl: number;
  if (len < 64) hl = 1;
  else if (len < 4096) hl = 2;
  else hl = 5;
  const entry = hl + len;
  o.need(entry + 5);
  const b = o.buf;
  if (hl === 1) b[o.pos++] = 0x80 | len;
  else if (hl === 2) {
    b[o.pos++] = 0xe0 | (len >> 8);
    b[o.pos++] = len & 0xff;
  } else {
    b[o.pos++] = 0xf0;
    b.writeUInt32LE(len, o.pos);
    o.pos += 4;
  }
  if (len > 0) o.pos += b.latin1Write(s, o.pos, len);
  writeBacklen(o, entry);
}

/** Builds a listpack of the given entries (strings that look like integers become integers). */
export function encodeListpack(entries: readonly string[]): Buffer {
  const o = new Out();
  o.need(LP_HDR_SIZE);
  o.pos = LP_HDR_SIZE;
  for (let i = 0; i < entries.length; i++) {
    const s = entries[i];
    const v = s.length <= 20 ? canonicalInt(s) : null;
    if (v !== null) appendInt(o, v);
    else appendStr(o, s);
  }
  o.need(1);
  o.buf[o.pos++] = LP_EOF;
  o.buf.writeUInt32LE(o.pos, 0);
  o.buf.writeUInt16LE(entries.length < 65535 ? entries.length : 65535, 4);
  return o.buf.subarray(0, o.pos);
}

/** Bytes an entry adds to a listpack (for quicklist node sizing). */
export function lpEntrySize(s: string): number {
  const v = s.length <= 20 ? canonicalInt(s) : null;
  if (v !== null) {
    if (typeof v === 'number') {
      if (v >= 0 && v <= 127) return 2;
      if (v >= -4096 && v <= 4095) return 3;
      if (v >= -32768 && v <= 32767) return 4;
      if (v >= -8388608 && v <= 8388607) return 5;
      if (v >= -2147483648 && v <= 2147483647) return 6;
    }
    return 10;
  }
  const len = s.length;
  const entry = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return entry + backlenSize(entry);
}

export class FormatError extends Error {}

/**
 * Decodes a listpack's entries (integers as their decimal text). Throws FormatError on a
 * malformed listpack.
 */
export function decodeListpack(buf: Buffer, start = 0, end = buf.length): string[] {
  if (end - start < LP_HDR_SIZE + 1) throw new FormatError('listpack too short');
  const total = buf.readUInt32LE(start);
  if (total !== end - start) throw new FormatError('listpack size mismatch');
  const out: string[] = [];
  let p = start + LP_HDR_SIZE;
  const last = end - 1;
  if (buf[last] !== LP_EOF) throw new FormatError('listpack without terminator');
  while (p < last) {
    const b = buf[p];
    let entry: number;
    if (b < 0x80) {
      out.push(String(b));
      entry = 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      if (p + 1 + len > last) throw new FormatError('listpack entry overflow');
      out.push(buf.latin1Slice(p + 1, p + 1 + len));
      entry = 1 + len;
    } else if (b < 0xe0) {
      let u = ((b & 0x1f) << 8) | buf[p + 1];
      if (u >= 4096) u -= 8192;
      out.push(String(u));
      entry = 2;
    } else if (b < 0xf0) {
      const len = ((b & 0x0f) << 8) | buf[p + 1];
      if (p + 2 + len > last) throw new FormatError('listpack entry overflow');
      out.push(buf.latin1Slice(p + 2, p + 2 + len));
      entry = 2 + len;
    } else if (b === 0xf0) {
      const len = buf.readUInt32LE(p + 1);
      if (p + 5 + len > last) throw new FormatError('listpack entry overflow');
      out.push(buf.latin1Slice(p + 5, p + 5 + len));
      entry = 5 + len;
    } else if (b >= 0xf1 && b <= 0xf3) {
      const size = b - 0xef;
      out.push(String(buf.readIntLE(p + 1, size)));
      entry = 1 + size;
    } else if (b === 0xf4) {
      out.push(buf.readBigInt64LE(p + 1).toString());
      entry = 9;
    } else {
      throw new FormatError('bad listpack encoding');
    }
    p += entry + backlenSize(entry);
    if (p > last) throw new FormatError('listpack entry overflow');
  }
  return out;
}
