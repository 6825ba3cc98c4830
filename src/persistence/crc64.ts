/**
 * CRC-64/Jones as Redis computes it (crc64.c): reflected polynomial 0xad93d23594c935a9, init
 * 0, no final xor; crc64("123456789") = 0xe9c6d914c4b8d9ca. The 64-bit state is kept as two
 * uint32 halves; a slicing-by-4 table set makes it fast enough to checksum whole RDB files.
 */

const POLY_LO = 0x4bc9b5 | (0xac << 24); // reflected 0x95ac9329ac4bc9b5
const POLY_HI = 0x95ac9329;

const T_LO: Uint32Array[] = [];
const T_HI: Uint32Array[] = [];
{
  const lo0 = new Uint32Array(256);
  const hi0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    lo0[n] = lo;
    hi0[n] = hi;
  }
  T_LO.push(lo0);
  T_HI.push(hi0);
  for (let t = 1; t < 4; t++) {
    const plo = T_LO[t - 1];
    const phi = T_HI[t - 1];
    const lo = new Uint32Array(256);
    const hi = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      // One more zero byte through the table.
      const l = plo[n];
      const h = phi[n];
      const i = l & 0xff;
      lo[n] = (((l >>> 8) | (h << 24)) ^ lo0[i]) >>> 0;
      hi[n] = ((h >>> 8) ^ hi0[i]) >>> 0;
    }
    T_LO.push(lo);
    T_HI.push(hi);
  }
}
const [L0, L1, L2, L3] = T_LO;
const [H0, H1, H2, H3] = T_HI;

/** A running CRC-64 (two uint32 halves). */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): void {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const end4 = end - 3;
    for (; i < end4; i += 4) {
      const x = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
      const a = x & 0xff;
      const b = (x >>> 8) & 0xff;
      const c = (x >>> 16) & 0xff;
      const d = x >>> 24;
      lo = (hi ^ L3[a] ^ L2[b] ^ L1[c] ^ L0[d]) >>> 0;
      hi = (H3[a] ^ H2[b] ^ H1[c] ^ H0[d]) >>> 0;
    }
    for (; i < end; i++) {
      const t = (lo ^ buf[i]) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ L0[t]) >>> 0;
      hi = ((hi >>> 8) ^ H0[t]) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** Writes the value little-endian (as Redis stores it) at off. */
  writeLE(out: Buffer, off: number): void {
    out.writeUInt32LE(this.lo, off);
    out.writeUInt32LE(this.hi, off + 4);
  }

  equalsLE(buf: Buffer, off: number): boolean {
    return buf.readUInt32LE(off) === this.lo && buf.readUInt32LE(off + 4) === this.hi;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

export function crc64(buf: Uint8Array, start = 0, end = buf.length): Crc64 {
  const c = new Crc64();
  c.update(buf, start, end);
  return c;
}
