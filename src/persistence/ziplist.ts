/**
 * Decoders for the pre-7.0 compact encodings Redis still loads: ziplists (ziplist.c; lists,
 * hashes and sorted sets before 7.0, quicklist nodes before 7.0) and zipmaps (zipmap.c;
 * hashes before 2.6).
 */
import { FormatError } from './listpack.js';

/** Entries of a ziplist (integers as decimal text). */
export function decodeZiplist(buf: Buffer, start = 0, end = buf.length): string[] {
  if (end - start < 11) throw new FormatError('ziplist too short');
  if (buf.readUInt32LE(start) !== end - start) throw new FormatError('ziplist size mismatch');
  const out: string[] = [];
  let p = start + 10;
  const last = end - 1;
  if (buf[last] !== 0xff) throw new FormatError('ziplist without terminator');
  while (p < last) {
    // prevlen: 1 byte, or 0xFE and 4 more.
    p += buf[p] < 254 ? 1 : 5;
    if (p >= last) throw new FormatError('ziplist entry overflow');
    const b = buf[p];
    const enc = b >> 6;
    let len = -1;
    if (enc === 0) {
      len = b & 0x3f;
      p += 1;
    } else if (enc === 1) {
      len = ((b & 0x3f) << 8) | buf[p + 1];
      p += 2;
    } else if (enc === 2) {
      len = buf.readUInt32BE(p + 1);
      p += 5;
    }
    if (len >= 0) {
      if (p + len > last) throw new FormatError('ziplist entry overflow');
      out.push(buf.latin1Slice(p, p + len));
      p += len;
      continue;
    }
    p++;
    switch (b) {
      case 0xc0:
        out.push(String(buf.readInt16LE(p)));
        p += 2;
        break;
      case 0xd0:
        out.push(String(buf.readInt32LE(p)));
        p += 4;
        break;
      case 0xe0:
        out.push(buf.readBigInt64LE(p).toString());
        p += 8;
        break;
      case 0xf0:
        out.push(String(buf.readIntLE(p, 3)));
        p += 3;
        break;
      case 0xfe:
        out.push(String(buf.readInt8(p)));
        p += 1;
        break;
      default:
        if (b >= 0xf1 && b <= 0xfd) out.push(String((b & 0x0f) - 1));
        else throw new FormatError('bad ziplist encoding');
    }
    if (p > last) throw new FormatError('ziplist entry overflow');
  }
  return out;
}

/** A zipmap's field/value pairs, flattened [f0, v0, f1, v1, ...]. */
export function decodeZipmap(buf: Buffer, start = 0, end = buf.length): string[] {
  const out: string[] = [];
  let p = start + 1;
  const readLen = (): number => {
    const b = buf[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      const l = buf.readUInt32LE(p + 1);
      p += 5;
      return l;
    }
    return -1;
  };
  while (p < end) {
    if (buf[p] === 0xff) return out;
    const kl = readLen();
    if (kl < 0 || p + kl > end) throw new FormatError('bad zipmap');
    out.push(buf.latin1Slice(p, p + kl));
    p += kl;
    const vl = readLen();
    if (vl < 0 || p + 1 + vl > end) throw new FormatError('bad zipmap');
    const free = buf[p++];
    out.push(buf.latin1Slice(p, p + vl));
    p += vl + free;
  }
  throw new FormatError('zipmap without terminator');
}
