/**
 * Correctly rounded sin, cos and asin for the haversine distance of geo commands.
 *
 * Redis computes distances with glibc's libm; V8's Math.sin/cos/asin (fdlibm) are only
 * faithful and return the other neighbour of the exact value for 3-4% of the haversine's
 * arguments, so about one long distance in ten differed from Redis's in the last bits
 * (visible in STOREDIST scores printed with %.17g). glibc 2.36's are much closer to correctly
 * rounded (measured: 0.07% of asin and 0.13-0.15% of sin/cos results are not), so correctly
 * rounded functions leave ~0.2% of long distances and ~0.01% of short ones differing.
 * (Matching glibc's remaining misroundings would mean reproducing its algorithms operation by
 * operation.) Tiers, each returning when its whole error interval rounds to one double:
 *
 * - arguments below 1/128: the Taylor remainder in double precision;
 * - a quick tier: a table of sin/cos at multiples of 1/64 (double-double), the remainder
 *   r = x - k/64 with b r exact and the rest in double precision (~0.5% of calls go on);
 * - the same in double-double arithmetic (error ~2^-83);
 * - 256-bit fixed-point BigInt arithmetic (never needed in millions of test calls).
 *
 * Domain: sin and cos are correctly rounded for |x| <= 4 (every argument of the haversine and
 * of the search-area bounds for valid coordinates and radii below ~10,000 km); beyond, they fall
 * back to Math.sin/Math.cos. asin is correctly rounded on [-1, 1].
 */

// ---- slow path: 256-bit fixed point ---------------------------------------------------------

const P = 256n;
const ONE = 1n << P;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** x (finite) as a fixed-point BigInt (scaled by 2^256), truncated below 2^-256. */
function toFix(x: number): bigint {
  f64[0] = Math.abs(x);
  const bits = u64[0];
  const e = Number(bits >> 52n);
  let m = bits & 0xfffffffffffffn;
  let sh: number;
  if (e === 0) {
    sh = -1074;
  } else {
    m |= 1n << 52n;
    sh = e - 1075;
  }
  const s = BigInt(sh) + P;
  const v = s >= 0n ? m << s : m >> -s;
  return x < 0 ? -v : v;
}

/** The double nearest to a fixed-point value (round half to even). */
function fromFix(v: bigint): number {
  const neg = v < 0n;
  if (neg) v = -v;
  if (v === 0n) return 0;
  const len = v.toString(2).length;
  let r: number;
  if (len <= 53) {
    r = Number(v) * 2 ** -256;
  } else {
    const s = BigInt(len - 53);
    let m = v >> s;
    const rem = v - (m << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m++;
    r = Number(m) * 2 ** (len - 53 - 256);
  }
  return neg ? -r : r;
}

const mulFix = (a: bigint, b: bigint): bigint => (a * b) >> P;

/** atan(1/n) in fixed point (Taylor series). */
function atanInv(n: bigint): bigint {
  const n2 = n * n;
  let term = ONE / n;
  let sum = term;
  for (let k = 1n; term !== 0n; k++) {
    term /= n2;
    sum += (k & 1n ? -term : term) / (2n * k + 1n);
  }
  return sum;
}

let PI_FIX = 0n;
function piFix(): bigint {
  // Machin's formula.
  if (PI_FIX === 0n) PI_FIX = 16n * atanInv(5n) - 4n * atanInv(239n);
  return PI_FIX;
}

function sinFix(x: bigint): bigint {
  const x2 = mulFix(x, x);
  let term = x;
  let sum = x;
  for (let n = 1n; term !== 0n; n++) {
    term = -mulFix(term, x2) / (2n * n * (2n * n + 1n));
    sum += term;
  }
  return sum;
}

function cosFix(x: bigint): bigint {
  const x2 = mulFix(x, x);
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = -mulFix(term, x2) / ((2n * n - 1n) * (2n * n));
    sum += term;
  }
  return sum;
}

/** Integer square root (floor). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // One Newton step from the double estimate lands at or above the root (AM-GM); from there the
  // iteration decreases monotonically to floor(sqrt(n)).
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  x = ((x + n / x) >> 1n) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** asin(t) for 0 <= t <= 1/2 (Taylor series). */
function asinSmallFix(t: bigint): bigint {
  const t2 = mulFix(t, t);
  let term = t; // t^(2n+1) * (2n)! / (4^n (n!)^2)
  let sum = t;
  for (let n = 1n; term !== 0n; n++) {
    term = (mulFix(term, t2) * (2n * n - 1n)) / (2n * n);
    sum += term / (2n * n + 1n);
  }
  return sum;
}

function asinFix(z: bigint): bigint {
  if (z < 0n) return -asinFix(-z);
  if (z <= ONE >> 1n) return asinSmallFix(z);
  // asin(z) = pi/2 - 2 asin(sqrt((1 - z) / 2)); (1 - z) / 2 is exact for a double z.
  const w = (ONE - z) >> 1n;
  return (piFix() >> 1n) - 2n * asinSmallFix(isqrt(w << P));
}

export function sinExact(x: number): number {
  return fromFix(sinFix(toFix(x)));
}
export function cosExact(x: number): number {
  return fromFix(cosFix(toFix(x)));
}
export function asinExact(x: number): number {
  return fromFix(asinFix(toFix(x)));
}

// ---- fast path: double-double ---------------------------------------------------------------
//
// Written out in a few flat functions with results in a Float64Array: module-level `let`
// doubles would be boxed on every write.

/**
 * The error bound of the double-double sin/cos, relative to |a| + |b r|. What is evaluated in
 * plain double precision is tiny: the r^5 terms and beyond (below 2^-52 * 2^-21 of that), the
 * low parts of the exact products, the table's 2^-106; the largest error measured against the
 * slow path is 2^-83 (scripts/geo-math-check.mjs); the bound is 16 times that.
 */
const ERR_SCALE = 2 ** -79;

/** Veltkamp's splitter for 53-bit doubles: 2^27 + 1 (no FMA in JS, so products use splits). */
const SPLIT = 134217729;

/**
 * Table of sin and cos at k/64, k = 0..256, as double-doubles (hi, lo), with the hi parts also
 * split into 26-bit halves for exact products.
 */
const TABLE_N = 256;
const sinHi = new Float64Array(TABLE_N + 1);
const sinLo = new Float64Array(TABLE_N + 1);
const sinHiH = new Float64Array(TABLE_N + 1);
const sinHiL = new Float64Array(TABLE_N + 1);
const cosHi = new Float64Array(TABLE_N + 1);
const cosLo = new Float64Array(TABLE_N + 1);
const cosHiH = new Float64Array(TABLE_N + 1);
const cosHiL = new Float64Array(TABLE_N + 1);
let tableReady = false;

function buildTable(): void {
  // sin/cos of (k+1)/64 from those of k/64 by the addition formulas in 256-bit fixed point:
  // the accumulated error (a few units of 2^-256 per step) stays far below the 2^-106 kept.
  const h = ONE >> 6n;
  const sh = sinFix(h);
  const ch = cosFix(h);
  let s = 0n;
  let c = ONE;
  for (let k = 0; k <= TABLE_N; k++) {
    const shi = fromFix(s);
    sinHi[k] = shi;
    sinLo[k] = fromFix(s - toFix(shi));
    let t = SPLIT * shi;
    sinHiH[k] = t - (t - shi);
    sinHiL[k] = shi - sinHiH[k];
    const chi = fromFix(c);
    cosHi[k] = chi;
    cosLo[k] = fromFix(c - toFix(chi));
    t = SPLIT * chi;
    cosHiH[k] = t - (t - chi);
    cosHiL[k] = chi - cosHiH[k];
    const s2 = mulFix(s, ch) + mulFix(c, sh);
    c = mulFix(c, ch) - mulFix(s, sh);
    s = s2;
  }
  tableReady = true;
}

/**
 * sinCosDD's results: sin as dd[0] + dd[1], cos as dd[2] + dd[3] (normalised), and bounds of
 * their errors in dd[4] (sin) and dd[5] (cos).
 */
const dd = new Float64Array(6);

/** -1/6 as a double-double (the leading coefficient of sin(r) - r, not a binary fraction). */
const SIXTH_H = -1 / 6;
/** -1/6 - SIXTH_H = (6 * (1/6) - 1) / 6, with 6 * (1/6) exact by Dekker's product. */
const SIXTH_L = ((): number => {
  const h = 1 / 6;
  const p = 6 * h;
  const t = SPLIT * h;
  const hh = t - (t - h);
  const hl = h - hh;
  return (p - 1 + (6 * hh - p + 6 * hl)) / 6;
})();

// The reduced argument of sinCosDD and its Taylor remainders: sin(r) = r + s3H + s3L,
// cos(r) = 1 + cmH + cmL; r and s3H also split into 26-bit halves (Veltkamp) for exact products.
const red = new Float64Array(12);
const R = 0;
const RH = 1;
const RL = 2;
const S3H = 3;
const S3HH = 4;
const S3HL = 5;
const S3L = 6;
const CMH = 7;
const CMH_H = 8;
const CMH_L = 9;
const CML = 10;
/** The argument of sinCosDD. */
const ARG = 11;

/**
 * a (1 + cm) + b sin(r) into dd[i], dd[i + 1] (normalised) and a bound of its error into
 * dd[4 + i / 2], where a = aH + aL, b = bH + bL (hi parts given with their splits). The large
 * products a cmH, b r and b s3H are exact (Dekker), the rest is below 2^-52 of the result.
 */
function combine(i: number, k: number): void {
  // sin(k/64 + r) = sin(k/64) cos(r) + cos(k/64) sin(r)
  // cos(k/64 + r) = cos(k/64) cos(r) - sin(k/64) sin(r)
  let aH: number, aL: number, aHh: number, aHl: number, bH: number, bL: number, bHh: number, bHl: number;
  if (i === 0) {
    aH = sinHi[k];
    aL = sinLo[k];
    aHh = sinHiH[k];
    aHl = sinHiL[k];
    bH = cosHi[k];
    bL = cosLo[k];
    bHh = cosHiH[k];
    bHl = cosHiL[k];
  } else {
    aH = cosHi[k];
    aL = cosLo[k];
    aHh = cosHiH[k];
    aHl = cosHiL[k];
    bH = -sinHi[k];
    bL = -sinLo[k];
    bHh = -sinHiH[k];
    bHl = -sinHiL[k];
  }
  const cmL = red[CML];
  const r = red[R];
  const rh = red[RH];
  const rl = red[RL];
  const s3H = red[S3H];
  const s3Hh = red[S3HH];
  const s3Hl = red[S3HL];
  const cmH = red[CMH];
  const cmHh = red[CMH_H];
  const cmHl = red[CMH_L];
  const dH = aH * cmH;
  const dL = aHh * cmHh - dH + aHh * cmHl + aHl * cmHh + aHl * cmHl;
  const eH = bH * r;
  const eL = bHh * rh - eH + bHh * rl + bHl * rh + bHl * rl;
  const fH = bH * s3H;
  const fL = bHh * s3Hh - fH + bHh * s3Hl + bHl * s3Hh + bHl * s3Hl;
  const small = aL + dL + eL + fL + bH * red[S3L] + bL * (r + s3H) + aH * cmL + aL * cmH;
  // aH + eH + fH + dH with three two-sums, then the small terms.
  let s = aH + eH;
  let t = s - aH;
  let err = aH - (s - t) + (eH - t);
  let s2 = s + fH;
  t = s2 - s;
  err += s - (s2 - t) + (fH - t);
  s = s2;
  s2 = s + dH;
  t = s2 - s;
  err += s - (s2 - t) + (dH - t);
  s = s2;
  const lo = err + small;
  const hi = s + lo;
  dd[i] = hi;
  dd[i + 1] = lo - (hi - s);
  dd[4 + (i >> 1)] = ERR_SCALE * (Math.abs(aH) + Math.abs(eH));
}

/**
 * sin (which & 1) and/or cos (which & 2) of 0 <= ax <= 4 in double-double, into dd (values
 * and error bounds), from sin/cos(k/64 + r), |r| <= 1/128.
 */
function sinCosDD(which: number): void {
  if (!tableReady) buildTable();
  const ax = red[ARG];
  const k = Math.round(ax * 64);
  // ax and k/64 are within a factor 2 of each other (or k = 0): the difference is exact.
  const r = ax - k / 64;
  let t = SPLIT * r;
  const rh = t - (t - r);
  const rl = r - rh;
  const r2 = r * r;
  const r2l = rh * rh - r2 + 2 * rh * rl + rl * rl;
  // sin(r) - r = r^3 (-1/6 + r^2/120 - r^4/5040 + r^6/362880 - ...): r^3 (-1/6) in
  // double-double, the rest (below 2^-14 of it) in double precision.
  const c3 = r * r2;
  t = SPLIT * c3;
  const c3h = t - (t - c3);
  const c3l = c3 - c3h;
  // r^3 = c3 + c3L: the rounding error of r * r2 (Dekker) plus r * r2l.
  t = SPLIT * r2;
  const r2h = t - (t - r2);
  const r2lo = r2 - r2h;
  const c3L = rh * r2h - c3 + rh * r2lo + rl * r2h + rl * r2lo + r * r2l;
  const s3H = c3 * SIXTH_H;
  // (c3 * SIXTH_H exactly, then the low parts.)
  t = SPLIT * SIXTH_H;
  const sh = t - (t - SIXTH_H);
  const sl = SIXTH_H - sh;
  const s3L =
    c3h * sh -
    s3H +
    c3h * sl +
    c3l * sh +
    c3l * sl +
    c3 * SIXTH_L +
    c3L * SIXTH_H +
    c3 * r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (-1 / 39916800))));
  // cos(r) - 1 = -r^2/2 + r^4 (1/24 - r^2/720 + r^4/40320 - r^6/3628800).
  const cmH = -0.5 * r2;
  const cmL = -0.5 * r2l + r2 * r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 + r2 * (-1 / 3628800))));
  red[R] = r;
  red[RH] = rh;
  red[RL] = rl;
  red[S3H] = s3H;
  t = SPLIT * s3H;
  red[S3HH] = t - (t - s3H);
  red[S3HL] = s3H - red[S3HH];
  red[S3L] = s3L;
  red[CMH] = cmH;
  t = SPLIT * cmH;
  red[CMH_H] = t - (t - cmH);
  red[CMH_L] = cmH - red[CMH_H];
  red[CML] = cmL;
  if (which & 1) combine(0, k);
  if (which & 2) combine(2, k);
}

// The quick tier: the same reduction, with only b r exact and the Taylor remainders in plain
// double precision (error ~2^-66 of |a| + |b r|; QUICK_ERR is 20 times the largest measured), so
// that most calls are decided by ~50 flops;
// when its interval straddles a rounding boundary (~0.5% of calls) sinCosDD decides.
const QUICK_ERR = 2 ** -62;
const Q_R = 0;
const Q_RH = 1;
const Q_RL = 2;
const Q_S3 = 3;
const Q_CM = 4;
const quick = new Float64Array(5);

/** Quick sin/cos of red[ARG] (which as in sinCosDD) into dd, with bounds in dd[4], dd[5]. */
function sinCosQuick(which: number): void {
  if (!tableReady) buildTable();
  const ax = red[ARG];
  const k = Math.round(ax * 64);
  const r = ax - k / 64;
  const r2 = r * r;
  quick[Q_R] = r;
  const t = SPLIT * r;
  const rh = t - (t - r);
  quick[Q_RH] = rh;
  quick[Q_RL] = r - rh;
  quick[Q_S3] = r * r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880))));
  quick[Q_CM] = r2 * (-0.5 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320))));
  if (which & 1) quickCombine(0, k);
  if (which & 2) quickCombine(2, k);
}

function quickCombine(i: number, k: number): void {
  let aH: number, aL: number, bH: number, bL: number, bHh: number, bHl: number;
  if (i === 0) {
    aH = sinHi[k];
    aL = sinLo[k];
    bH = cosHi[k];
    bL = cosLo[k];
    bHh = cosHiH[k];
    bHl = cosHiL[k];
  } else {
    aH = cosHi[k];
    aL = cosLo[k];
    bH = -sinHi[k];
    bL = -sinLo[k];
    bHh = -sinHiH[k];
    bHl = -sinHiL[k];
  }
  const r = quick[Q_R];
  const rh = quick[Q_RH];
  const rl = quick[Q_RL];
  const cm = quick[Q_CM];
  const eH = bH * r;
  const eL = bHh * rh - eH + bHh * rl + bHl * rh + bHl * rl;
  const s = aH + eH;
  const t = s - aH;
  const lo = aH - (s - t) + (eH - t) + eL + aL + bL * r + aH * cm + aL * cm + bH * quick[Q_S3];
  const hi = s + lo;
  dd[i] = hi;
  dd[i + 1] = lo - (hi - s);
  dd[4 + (i >> 1)] = QUICK_ERR * (Math.abs(aH) + Math.abs(eH));
}

/**
 * The double nearest to hi + lo when every value within err of it rounds the same way, else NaN
 * (the caller then takes the slow path). The bound is widened (relative 2^-30, plus 2^-50 of
 * lo) so that rounding lo -/+ err cannot shrink the interval.
 */
function roundIfSafe(hi: number, lo: number, err: number): number {
  const e = err * (1 + 2 ** -30) + Math.abs(lo) * 2 ** -50 + 2 ** -1070;
  const a = hi + (lo - e);
  const b = hi + (lo + e);
  return a === b ? a : NaN;
}

/** How many times the slow path ran (for scripts/geo-math-check.mjs). */
export let slowPaths = 0;

/** Below this, sin x and asin x round to x (|f(x) - x| < |x|^3 / 6 < half an ulp). */
const TINY = 2 ** -26;

/**
 * Small arguments (|x| < 1/128, every distance under ~100 km): f(x) = x + t with the Taylor
 * remainder t evaluated in double precision (a few ulps of t, far below an ulp of x); SMALL_ERR
 * bounds the error relative to |t| (about 10 times the worst estimate, 3.5 ulps).
 */
const SMALL = 1 / 128;
const SMALL_ERR = 2 ** -48;

/** sin(x), correctly rounded. */
export function crSin(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= 4)) return Math.sin(x); // outside the table, or NaN
  if (ax < TINY) return x;
  if (ax < SMALL) {
    const x2 = ax * ax;
    const t = ax * x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880))));
    const y = roundIfSafe(ax, t, SMALL_ERR * -t);
    if (y === y) return x < 0 ? -y : y;
  }
  red[ARG] = ax;
  sinCosQuick(1);
  let y = roundIfSafe(dd[0], dd[1], dd[4]);
  if (y !== y) {
    sinCosDD(1);
    y = roundIfSafe(dd[0], dd[1], dd[4]);
    if (y !== y) {
      slowPaths++;
      y = sinExact(ax);
    }
  }
  return x < 0 ? -y : y;
}

/** cos(x), correctly rounded. */
export function crCos(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= 4)) return Math.cos(x);
  if (ax < SMALL) {
    const x2 = ax * ax;
    const t = x2 * (-0.5 + x2 * (1 / 24 + x2 * (-1 / 720 + x2 * (1 / 40320))));
    const y = roundIfSafe(1, t, SMALL_ERR * -t);
    if (y === y) return y;
  }
  red[ARG] = ax;
  sinCosQuick(2);
  let y = roundIfSafe(dd[2], dd[3], dd[5]);
  if (y !== y) {
    sinCosDD(2);
    y = roundIfSafe(dd[2], dd[3], dd[5]);
    if (y !== y) {
      slowPaths++;
      y = cosExact(ax);
    }
  }
  return y;
}

/**
 * The asin fast path for z = asinIo[0], y0 = asinIo[1] (V8's faithful asin z): the correction
 * e (asin z = y0 + e) into asinIo[2] and a bound of its error into asinIo[3]. Values go through
 * a typed array: doubles passed to or returned from a call that is not inlined are boxed.
 */
const asinIo = new Float64Array(4);
function asinNewton(accurate: boolean): void {
  // One Newton step on sin(y) = z: asin z = y0 + e, e = d + tan(y0) d^2 / 2 + O(d^3) with
  // d = (z - sin y0) / cos y0; z - sin y0 is exact (Sterbenz). An error eps in sin y0 moves e
  // by eps / cos y0.
  const y0 = asinIo[1];
  red[ARG] = y0;
  if (accurate) sinCosDD(3);
  else sinCosQuick(3);
  const sH = dd[0];
  const cH = dd[2];
  const d = (asinIo[0] - sH - dd[1]) / cH;
  asinIo[2] = d + ((sH / cH) * d * d) / 2;
  asinIo[3] = dd[4] / cH + 2 ** -90 * y0;
}

/** asin(z), correctly rounded. */
export function crAsin(z: number): number {
  const az = Math.abs(z);
  if (!(az < 1)) return Math.asin(z); // 1 -> pi/2 (already correctly rounded), NaN outside
  if (az < TINY) return z;
  if (az < SMALL) {
    // asin z = z + z^3/6 + 3z^5/40 + 15z^7/336 + 105z^9/3456 + ... (next term below 2^-75 z).
    const z2 = az * az;
    const t = az * z2 * (1 / 6 + z2 * (3 / 40 + z2 * (15 / 336 + z2 * (105 / 3456))));
    const y = roundIfSafe(az, t, SMALL_ERR * t);
    if (y === y) return z < 0 ? -y : y;
  }
  const y0 = Math.asin(az);
  asinIo[0] = az;
  asinIo[1] = y0;
  asinNewton(false);
  let y = roundIfSafe(y0, asinIo[2], asinIo[3]);
  if (y !== y) {
    asinNewton(true);
    y = roundIfSafe(y0, asinIo[2], asinIo[3]);
    if (y !== y) {
      slowPaths++;
      y = asinExact(az);
    }
  }
  return z < 0 ? -y : y;
}

/**
 * For scripts/geo-math-check.mjs: the fast path's double-double error on x, measured against
 * the slow path, as a fraction of the bound the rounding test assumes (must stay well below 1).
 */
export function fastPathErrorRatio(fn: 'sin' | 'cos' | 'asin', x: number, quickTier = false): number {
  const ax = Math.abs(x);
  let hi: number;
  let lo: number;
  let bound: number;
  let exact: bigint;
  if (fn === 'asin') {
    hi = Math.asin(ax);
    asinIo[0] = ax;
    asinIo[1] = hi;
    asinNewton(!quickTier);
    lo = asinIo[2];
    bound = asinIo[3];
    exact = asinFix(toFix(ax));
  } else {
    red[ARG] = ax;
    if (quickTier) sinCosQuick(3);
    else sinCosDD(3);
    hi = fn === 'sin' ? dd[0] : dd[2];
    lo = fn === 'sin' ? dd[1] : dd[3];
    bound = fn === 'sin' ? dd[4] : dd[5];
    exact = fn === 'sin' ? sinFix(toFix(ax)) : cosFix(toFix(ax));
  }
  const diff = toFix(hi) + toFix(lo) - exact;
  return Math.abs(Number(diff) / Number(ONE)) / bound;
}
