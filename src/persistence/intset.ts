/**
 * Intsets (intset.c): a sorted array of integers of one width (2, 4 or 8 bytes) with a
 * header of encoding (u32 LE) and length (u32 LE), all little-endian.
 */
import { FormatError } from './listpack.js';

/** Encodes ascending integers (decimal text) with the narrowest width that holds them all. */
export function encodeIntset(members: readonly (number | bigint)[], width: number): Buffer {
  const n = members.length;
  const buf = Buffer.allocUnsafe(8 + n * width);
  buf.writeUInt32LE(width, 0);
  buf.writeUInt32LE(n, 4);
  let p = 8;
  for (let i = 0; i < n; i++) {
    const v = members[i];
    if (width === 8) buf.writeBigInt64LE(BigInt(v), p);
    else buf.writeIntLE(Number(v), p, width);
    p += width;
  }
  return buf;
}

/** The members of an intset as decimal text, ascending. */
export function decodeIntset(buf: Buffer, start = 0, end = buf.length): string[] {
  if (end - start < 8) throw new FormatError('intset too short');
  const width = buf.readUInt32LE(start);
  const n = buf.readUInt32LE(start + 4);
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + n * width !== end - start)
    throw new FormatError('bad intset');
  const out: string[] = new Array(n);
  let p = start + 8;
  for (let i = 0; i < n; i++, p += width) {
    out[i] = width === 8 ? buf.readBigInt64LE(p).toString() : String(buf.readIntLE(p, width));
  }
  return out;
}
