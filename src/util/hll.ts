/**
 * HyperLogLog engine with Redis's exact representation (hyperloglog.c), so values are
 * byte-for-byte interchangeable with Redis's:
 *
 *   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, cached
 *   cardinality (8 bytes little endian; bit 7 of the last byte set = cache invalid)
 *   dense: 16384 registers of 6 bits, LSB first (12288 bytes)
 *   sparse: opcodes ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx yyyyyyyy (1-16384),
 *           VAL 1vvvvvxx (1-4 registers of value 1-32)
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19) computed on 32-bit halves
 * (Math.imul and exact double products: no BigInt on the PFADD path). The estimate is
 * Redis 7's (Ertl's improved estimator with the tau/sigma corrections).
 *
 * Values live in the StringStore: sparse updates insert/remove bytes in place with
 * resize() + copyWithin, as Redis does with sdsMakeRoomFor + memmove.
 */
import type { StringStore } from '../store/strings.js';
import { ENC_RAW } from '../store/strings.js';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * 6 + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_ALPHA_INF = 0.5 / Math.LN2; // Redis writes it as the literal 0.721347520444481703680

// ---- MurmurHash64A ------------------------------------------------------------------------

const M_HI = 0xc6a4a793 | 0;
const M_LO = 0x5bd1e995 | 0;
const SEED = 0xadc83b19;

/**
 * The hash of the last murmur64 call: [0] its high word, [1] its low word. A typed array,
 * so the words need no heap number (a module-level `let` holding a value above 2^30 would
 * allocate one per write).
 */
export const H64 = new Uint32Array(2);

/**
 * The high word of (hi:lo) * 0xc6a4a7935bd1e995 mod 2^64, as an int32 (the low word is
 * Math.imul(lo, M_LO)). lo * M_LO's upper half comes from 16-bit halves, every partial
 * product exact in a double: mid < 2^33, t < 2^33.
 */
function mulHigh(hi: number, lo: number): number {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const mid = a0 * 0x5bd1 + a1 * 0xe995;
  const midLow = mid & 0xffff;
  const t = a0 * 0xe995 + midLow * 65536;
  const carry = a1 * 0x5bd1 + (mid - midLow) / 65536 + (t >= 4294967296 ? 1 : 0);
  return (carry + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) | 0;
}

/**
 * MurmurHash64A of a latin1 string's bytes with the given 32-bit seed, into H64.
 * The 64-bit state is two int32 words (hh:hl); every step stays in int32 arithmetic, with
 * the multiply's upper half from mulHigh.
 */
export function murmur64(s: string, seed = SEED): void {
  const len = s.length;
  let hh = mulHigh(0, len);
  let hl = Math.imul(len, M_LO) ^ seed;
  const n8 = len - (len & 7);
  let i = 0;
  for (; i < n8; i += 8) {
    let kl =
      s.charCodeAt(i) |
      (s.charCodeAt(i + 1) << 8) |
      (s.charCodeAt(i + 2) << 16) |
      (s.charCodeAt(i + 3) << 24);
    let kh =
      s.charCodeAt(i + 4) |
      (s.charCodeAt(i + 5) << 8) |
      (s.charCodeAt(i + 6) << 16) |
      (s.charCodeAt(i + 7) << 24);
    // k *= m; k ^= k >> 47; k *= m
    kh = mulHigh(kh, kl);
    kl = Math.imul(kl, M_LO) ^ (kh >>> 15);
    kh = mulHigh(kh, kl);
    kl = Math.imul(kl, M_LO);
    // h ^= k; h *= m
    hh ^= kh;
    hl ^= kl;
    hh = mulHigh(hh, hl);
    hl = Math.imul(hl, M_LO);
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const b = s.charCodeAt(i + j);
      if (j >= 4) hh ^= b << ((j - 4) * 8);
      else hl ^= b << (j * 8);
    }
    hh = mulHigh(hh, hl);
    hl = Math.imul(hl, M_LO);
  }
  // h ^= h >> 47; h *= m; h ^= h >> 47
  hl ^= hh >>> 15;
  hh = mulHigh(hh, hl);
  hl = Math.imul(hl, M_LO);
  H64[0] = hh;
  H64[1] = hl ^ (hh >>> 15);
}

/** Register index of the last patLen() call. */
export let patIndex = 0;

/**
 * hllPatLen: hashes the element; returns the length of the 000..1 run of the hash bits above
 * the register index (1..Q+1) and sets patIndex.
 */
export function patLen(ele: string): number {
  murmur64(ele);
  const hashHi = H64[0];
  const hashLo = H64[1];
  patIndex = hashLo & HLL_P_MASK;
  const low = ((hashLo >>> HLL_P) | (hashHi << (32 - HLL_P))) >>> 0;
  if (low !== 0) return 32 - Math.clz32(low & -low);
  const high = (hashHi >>> HLL_P) | (1 << (HLL_Q - 32));
  return 32 + 32 - Math.clz32(high & -high);
}

// ---- registers ----------------------------------------------------------------------------

/** Dense register `idx` of the registers starting at byte `r` of buf. */
export function denseGet(buf: Buffer, r: number, idx: number): number {
  const bitpos = idx * 6;
  const byte = r + (bitpos >>> 3);
  const fb = bitpos & 7;
  if (fb <= 2) return (buf[byte] >> fb) & 63;
  return ((buf[byte] >> fb) | (buf[byte + 1] << (8 - fb))) & 63;
}

export function denseSetRaw(buf: Buffer, r: number, idx: number, val: number): void {
  const bitpos = idx * 6;
  const byte = r + (bitpos >>> 3);
  const fb = bitpos & 7;
  buf[byte] = (buf[byte] & ~(63 << fb)) | (val << fb);
  if (fb > 2) {
    const fb8 = 8 - fb;
    buf[byte + 1] = (buf[byte + 1] & ~(63 >> fb8)) | (val >> fb8);
  }
}

/** hllDenseSet: raises register idx to count; 1 when it changed. */
function denseSet(buf: Buffer, r: number, idx: number, count: number): number {
  if (count > denseGet(buf, r, idx)) {
    denseSetRaw(buf, r, idx, count);
    return 1;
  }
  return 0;
}

// ---- objects ------------------------------------------------------------------------------

/** A new empty HLL as Redis creates it: sparse, one XZERO covering all registers. */
export const EMPTY_HLL = 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff';

/** isHLLObjectOrReply's checks on the bytes (the caller checks the type). */
export function isValidHll(buf: Buffer, start: number, len: number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (buf[start] !== 72 || buf[start + 1] !== 89 || buf[start + 2] !== 76 || buf[start + 3] !== 76)
    return false;
  const enc = buf[start + 4];
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || len === HLL_DENSE_SIZE;
}

export function invalidateCache(s: StringStore, h: number): void {
  s.bufferOf(h)[s.bufferStart(h) + 15] |= 0x80;
}

const denseTmp = Buffer.alloc(HLL_DENSE_SIZE);

/**
 * hllSparseToDense: rewrites a sparse HLL as dense (header, including the cached
 * cardinality, kept). False when the sparse data is corrupt (value left unchanged).
 */
export function sparseToDense(s: StringStore, h: number): boolean {
  const buf = s.bufferOf(h);
  const start = s.bufferStart(h);
  if (buf[start + 4] === HLL_DENSE) return true;
  const end = start + s.length(h);
  const d = denseTmp;
  d.fill(0);
  buf.copy(d, 0, start, start + HLL_HDR_SIZE);
  d[4] = HLL_DENSE;
  let idx = 0;
  let p = start + HLL_HDR_SIZE;
  while (p < end) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | buf[p + 1]) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const val = ((op >> 2) & 0x1f) + 1;
      if (runlen + idx > HLL_REGISTERS) break;
      while (runlen-- > 0) denseSetRaw(d, HLL_HDR_SIZE, idx++, val);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  s.overwrite(h, d.latin1Slice(0, HLL_DENSE_SIZE), ENC_RAW);
  return true;
}

const seq = new Uint8Array(5);

/**
 * hllSparseSet: raises register `index` to `count` in a sparse HLL, splitting and merging
 * opcodes in place; promotes to dense when count > 32 or the value would pass maxBytes.
 * Returns 1 when a register changed, 0 when not, -1 for a corrupt value.
 */
export function sparseSet(s: StringStore, h: number, index: number, count: number, maxBytes: number): number {
  if (count > HLL_SPARSE_VAL_MAX_VALUE) return promote(s, h, index, count);
  let buf = s.bufferOf(h);
  let base = s.bufferStart(h);
  let len = s.length(h);
  // Positions below are relative to the value start (the buffer may move on resize).
  let p = HLL_HDR_SIZE;
  let end = len;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = buf[base + p];
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | buf[base + p + 1]) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = buf[base + p];
  const isXzero = (op & 0xc0) === 0x40;
  let next = isXzero ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const isZero = (op & 0xc0) === 0;
  const isVal = (op & 0x80) !== 0;
  let runlen: number;
  if (isZero) runlen = (op & 0x3f) + 1;
  else if (isXzero) runlen = (((op & 0x3f) << 8) | buf[base + p + 1]) + 1;
  else runlen = (op & 3) + 1;

  updated: {
    if (isVal) {
      const oldcount = ((op >> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0;
      if (runlen === 1) {
        buf[base + p] = valOp(count, 1);
        break updated;
      }
    }
    if (isZero && runlen === 1) {
      buf[base + p] = valOp(count, 1);
      break updated;
    }
    // General case: split the opcode into up to three (XZERO-VAL-XZERO: 5 bytes).
    let n = 0;
    const last = first + span - 1;
    if (isZero || isXzero) {
      if (index !== first) n = zeroRun(n, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) n = zeroRun(n, last - index);
    } else {
      const curval = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq[n++] = valOp(curval, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(curval, last - index);
    }
    const oldlen = isXzero ? 2 : 1;
    const delta = n - oldlen;
    if (delta > 0 && len + delta > maxBytes) return promote(s, h, index, count);
    if (delta > 0) {
      s.resize(h, len + delta);
      buf = s.bufferOf(h);
      base = s.bufferStart(h);
      if (next !== -1) buf.copyWithin(base + next + delta, base + next, base + end);
    } else if (delta < 0) {
      if (next !== -1) buf.copyWithin(base + next + delta, base + next, base + end);
      s.resize(h, len + delta);
      buf = s.bufferOf(h);
      base = s.bufferStart(h);
    }
    len += delta;
    end += delta;
    for (let i = 0; i < n; i++) buf[base + p + i] = seq[i];
  }

  // Merge adjacent VAL opcodes of the same value, scanning up to 5 opcodes from prev.
  p = prev !== -1 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const o = buf[base + p];
    if ((o & 0xc0) === 0x40) {
      p += 2;
      continue;
    }
    if ((o & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && buf[base + p + 1] & 0x80) {
      const o2 = buf[base + p + 1];
      const v1 = ((o >> 2) & 0x1f) + 1;
      const v2 = ((o2 >> 2) & 0x1f) + 1;
      if (v1 === v2) {
        const l = (o & 3) + 1 + (o2 & 3) + 1;
        if (l <= HLL_SPARSE_VAL_MAX_LEN) {
          buf[base + p + 1] = valOp(v1, l);
          buf.copyWithin(base + p, base + p + 1, base + end);
          end--;
          len--;
          s.resize(h, len);
          buf = s.bufferOf(h);
          base = s.bufferStart(h);
          continue;
        }
      }
    }
    p++;
  }
  buf[base + 15] |= 0x80;
  return 1;
}

function valOp(val: number, len: number): number {
  return 0x80 | ((val - 1) << 2) | (len - 1);
}

/** Writes a ZERO or XZERO opcode for `len` zero registers into seq at n; returns the new n. */
function zeroRun(n: number, len: number): number {
  if (len > HLL_SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq[n] = (l >> 8) | 0x40;
    seq[n + 1] = l & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

function promote(s: StringStore, h: number, index: number, count: number): number {
  if (!sparseToDense(s, h)) return -1;
  denseSet(s.bufferOf(h), s.bufferStart(h) + HLL_HDR_SIZE, index, count);
  return 1;
}

/** hllAdd: adds an element; 1 when a register changed, 0 when not, -1 for a corrupt value. */
export function hllAdd(s: StringStore, h: number, ele: string, maxBytes: number): number {
  const count = patLen(ele);
  const buf = s.bufferOf(h);
  const start = s.bufferStart(h);
  const enc = buf[start + 4];
  if (enc === HLL_DENSE) return denseSet(buf, start + HLL_HDR_SIZE, patIndex, count);
  if (enc === HLL_SPARSE) return sparseSet(s, h, patIndex, count, maxBytes);
  return -1;
}

/** Raises register idx of an HLL of either encoding (PFMERGE's write-back). */
export function hllSetRegister(s: StringStore, h: number, idx: number, val: number, maxBytes: number): void {
  const buf = s.bufferOf(h);
  const start = s.bufferStart(h);
  if (buf[start + 4] === HLL_DENSE) denseSet(buf, start + HLL_HDR_SIZE, idx, val);
  else sparseSet(s, h, idx, val, maxBytes);
}

/**
 * hllMerge: max[i] = MAX(max[i], register i) over an HLL value; false for a corrupt sparse
 * value.
 */
export function hllMerge(max: Uint8Array, buf: Buffer, start: number, len: number): boolean {
  const r = start + HLL_HDR_SIZE;
  if (buf[start + 4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(buf, r, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const end = start + len;
  let p = r;
  let i = 0;
  while (p < end) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | buf[p + 1]) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const val = ((op >> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) return false; // overflow: corrupt (as Redis 7.0.15)
      while (runlen-- > 0) {
        if (val > max[i]) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

// ---- count --------------------------------------------------------------------------------

const histo = new Float64Array(64);

/**
 * hllCount of an HLL value (dense or sparse); -1 when a sparse value is corrupt (its
 * registers do not add up to 16384).
 */
export function hllCount(buf: Buffer, start: number, len: number): number {
  histo.fill(0);
  if (buf[start + 4] === HLL_DENSE) {
    let r = start + HLL_HDR_SIZE;
    for (let j = 0; j < 4096; j++, r += 3) {
      const b0 = buf[r];
      const b1 = buf[r + 1];
      const b2 = buf[r + 2];
      histo[b0 & 63]++;
      histo[((b0 >> 6) | (b1 << 2)) & 63]++;
      histo[((b1 >> 4) | (b2 << 4)) & 63]++;
      histo[b2 >> 2]++;
    }
  } else {
    const end = start + len;
    let p = start + HLL_HDR_SIZE;
    let idx = 0;
    while (p < end) {
      const op = buf[p];
      if ((op & 0xc0) === 0) {
        const run = (op & 0x3f) + 1;
        idx += run;
        histo[0] += run;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        const run = (((op & 0x3f) << 8) | buf[p + 1]) + 1;
        idx += run;
        histo[0] += run;
        p += 2;
      } else {
        const run = (op & 3) + 1;
        idx += run;
        histo[((op >> 2) & 0x1f) + 1] += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return -1;
  }
  return estimate(histo);
}

/** hllCount of raw registers (one byte each: PFCOUNT of several keys). */
export function hllCountRaw(max: Uint8Array): number {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate(histo);
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The cardinality estimate from a register histogram ("New cardinality estimation algorithms for HyperLogLog sketches", Ertl). */
function estimate(reghisto: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - reghisto[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j];
    z *= 0.5;
  }
  z += m * hllSigma(reghisto[0] / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}
