/**
 * SHA-1 of small inputs, in plain JS: DEBUG DIGEST hashes several short strings per key, and
 * node:crypto's per-call overhead (several µs) dominated at that size.
 */
const W = new Int32Array(80);
let block = new Uint8Array(128);

/** SHA-1 of data (latin1 string or bytes) into out[off, off + 20). */
export function sha1Into(data: string | Uint8Array, out: Uint8Array, off = 0): void {
  const n = data.length;
  const total = ((n + 8) >> 6) * 64 + 64;
  if (block.length < total) block = new Uint8Array(total * 2);
  const b = block;
  if (typeof data === 'string') for (let i = 0; i < n; i++) b[i] = data.charCodeAt(i);
  else b.set(data);
  b[n] = 0x80;
  b.fill(0, n + 1, total);
  const bits = n * 8;
  b[total - 4] = (bits >>> 24) & 0xff;
  b[total - 3] = (bits >>> 16) & 0xff;
  b[total - 2] = (bits >>> 8) & 0xff;
  b[total - 1] = bits & 0xff;
  b[total - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let p = 0; p < total; p += 64) {
    for (let i = 0; i < 16; i++) {
      const q = p + i * 4;
      W[i] = (b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let bb = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const hs = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const h = hs[i];
    out[off + i * 4] = (h >>> 24) & 0xff;
    out[off + i * 4 + 1] = (h >>> 16) & 0xff;
    out[off + i * 4 + 2] = (h >>> 8) & 0xff;
    out[off + i * 4 + 3] = h & 0xff;
  }
}
