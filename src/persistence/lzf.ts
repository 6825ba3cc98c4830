/**
 * LZF, the compressor of RDB strings (Redis's lzf_c.c / lzf_d.c, liblzf 3.6 with HLOG 16 and
 * VERY_FAST). The compressor follows liblzf's hash and match rules exactly so that DUMP of a
 * compressible value is byte-identical to Redis's. Format:
 *   000LLLLL <L+1 bytes>          a run of literals
 *   LLLooooo oooooooo             a back reference of L+2 bytes at distance o+1
 *   111ooooo LLLLLLLL oooooooo    a back reference of L+9 bytes
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Hash table of positions + 1 (0 = empty), reused between calls. */
let htab = new Int32Array(HSIZE);
let htabDirty = false;

function idx(h: number): number {
  return ((h >>> (24 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses src[start, end) into out (at most outLen bytes). Returns the compressed length,
 * or 0 when the result does not fit (the caller then stores the bytes verbatim).
 */
export function lzfCompress(src: Buffer, start: number, end: number, out: Buffer, outLen: number): number {
  const inLen = end - start;
  if (inLen === 0 || outLen === 0) return 0;
  if (htabDirty) htab.fill(0);
  htabDirty = true;
  let ip = start;
  let op = 1; // the first literal run's control byte is at 0
  let lit = 0;
  const outEnd = outLen;
  let hval = (src[ip] << 8) | src[ip + 1];
  while (ip < end - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0;
    const slot = idx(hval);
    const refp = htab[slot] - 1; // -1: empty
    htab[slot] = ip + 1;
    let off: number;
    if (
      refp > start && // liblzf: ref > in_data (position 0 is never a reference)
      refp < ip &&
      (off = ip - refp - 1) < MAX_OFF &&
      ip + 4 < end &&
      src[refp] === src[ip] &&
      src[refp + 1] === src[ip + 1] &&
      src[refp + 2] === src[ip + 2]
    ) {
      let len = 2;
      let maxlen = end - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      out[op - lit - 1] = lit - 1;
      if (lit === 0) op--;
      if (op + 3 + 1 >= outEnd) return 0;
      let done = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (src[refp + len] !== src[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do len++;
        while (len < maxlen && src[refp + len] === src[ip + len]);
      }
      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = ((off >> 8) + (len << 5)) & 0xff;
      } else {
        out[op++] = ((off >> 8) + (7 << 5)) & 0xff;
        out[op++] = (len - 7) & 0xff;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len + 1;
      if (ip >= end - 2) break;
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[idx(hval)] = ip + 1;
      ip++;
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[idx(hval)] = ip + 1;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < end) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op;
}

/** Releases the compressor's table (tests, memory accounting). */
export function lzfReset(): void {
  htab = new Int32Array(HSIZE);
  htabDirty = false;
}

/**
 * Decompresses src[start, end) into a new Buffer of exactly outLen bytes; null when the data
 * is corrupt or does not produce outLen bytes.
 */
export function lzfDecompress(src: Buffer, start: number, end: number, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let ip = start;
  let op = 0;
  while (ip < end) {
    let ctrl = src[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > end) return null;
      src.copy(out, op, ip, ip + ctrl);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) return null;
      if (len === 7) {
        len += src[ip++];
        if (ip >= end) return null;
      }
      ref -= src[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      // Overlapping copies repeat bytes: copy one at a time.
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  return op === outLen ? out : null;
}
