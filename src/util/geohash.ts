/**
 * Geohash math with Redis 7.0's exact semantics (geohash.c, geohash_helper.c): the 52-bit
 * interleaved scores GEOADD stores, their decoding, haversine distances, the 9-cell search
 * neighbourhood with its step estimation, and the printf formats of the replies.
 *
 * Cells are kept as (latitude index, longitude index, step) instead of interleaved bits:
 * moving to a neighbour is then arithmetic modulo 2^step on one index, which is what Redis's
 * masked bit operations amount to. An index may equal 2^step (a coordinate exactly on the
 * upper bound encodes one past the last cell, as in Redis); such overflow bits reach the
 * score (bits 52/53) exactly as Redis's do. 64-bit values are handled as two 32-bit halves.
 */

import { crAsin, crCos, crSin } from './geomath.js';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const TWO_32 = 4294967296;
const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

/** Spreads the low 16 bits of v to the even bit positions of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** Gathers the even bits of a 32-bit value into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64(lat, lon) split in halves: latitude on even bits, longitude on odd bits. */
let ilHi = 0;
let ilLo = 0;
function interleave(latIdx: number, lonIdx: number): void {
  ilLo = (spread16(latIdx) | (spread16(lonIdx) << 1)) >>> 0;
  ilHi = (spread16(latIdx >>> 16) | (spread16(lonIdx >>> 16) << 1)) >>> 0;
}

/** The cell's bits shifted to 52 bits (geohashAlign52Bits), plus `add`, as C's uint64 -> double. */
function align52(latIdx: number, lonIdx: number, step: number, add: number): number {
  interleave(latIdx, lonIdx);
  // One rounding, as the exact uint64 converted to double; the power-of-two scale is exact.
  return (ilHi * TWO_32 + (ilLo + add)) * 2 ** (52 - step * 2);
}

/** geohashEncode's cell indexes (the double offsets truncated to uint32). */
let encLat = 0;
let encLon = 0;

function encode(
  lon: number,
  lat: number,
  step: number,
  lonMin: number,
  lonMax: number,
  latMin: number,
  latMax: number,
): void {
  const scale = 2 ** step;
  encLat = Math.floor(((lat - latMin) / (latMax - latMin)) * scale);
  encLon = Math.floor(((lon - lonMin) / (lonMax - lonMin)) * scale);
}

/** The score GEOADD stores for a (validated) coordinate pair. */
export function geoScore(lon: number, lat: number): number {
  encode(lon, lat, GEO_STEP_MAX, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
  return align52(encLat, encLon, GEO_STEP_MAX, 0);
}

/** C's (uint64_t) cast of a score as x86-64 code does it, split in halves into u64Hi/u64Lo. */
let u64Hi = 0;
let u64Lo = 0;
function toUint64(x: number): void {
  if (x >= 18446744073709551616) {
    u64Hi = 0;
    u64Lo = 0;
  } else if (x >= 0) {
    const t = Math.trunc(x);
    u64Hi = Math.floor(t / TWO_32);
    u64Lo = t - u64Hi * TWO_32;
  } else if (x > -9223372036854775808) {
    // Two's complement of the truncated magnitude.
    const m = -Math.trunc(x);
    const mHi = Math.floor(m / TWO_32);
    const mLo = m - mHi * TWO_32;
    if (mLo === 0) {
      u64Lo = 0;
      u64Hi = (TWO_32 - mHi) % TWO_32;
    } else {
      u64Lo = TWO_32 - mLo;
      u64Hi = TWO_32 - 1 - mHi;
    }
  } else {
    // cvttsd2si's "integer indefinite" value (also NaN).
    u64Hi = 0x80000000;
    u64Lo = 0;
  }
}

/** Decoded coordinates of the last decodeScore() call: [longitude, latitude]. */
export const decoded = new Float64Array(2);

const CELL26 = 1 / 67108864; // 2^-26: multiplying by it is exact, like C's division by 1<<26
const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;

/** decodeGeohash: a score (step 26 bits) to the centre of its cell, clamped to the valid range. */
export function decodeScore(score: number): void {
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 9007199254740992) {
    // The common case (GEOADD's integer scores): no sign or overflow to handle.
    hi = Math.floor(score / TWO_32);
    lo = Math.floor(score - hi * TWO_32);
  } else {
    toUint64(score);
    hi = u64Hi;
    lo = u64Lo;
  }
  const latIdx = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const lonIdx = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  // (idx + 1) wraps as the uint32 it is in C.
  const latMin = GEO_LAT_MIN + latIdx * CELL26 * LAT_SCALE;
  const latMax = GEO_LAT_MIN + ((latIdx + 1) >>> 0) * CELL26 * LAT_SCALE;
  const lonMin = GEO_LONG_MIN + lonIdx * CELL26 * LONG_SCALE;
  const lonMax = GEO_LONG_MIN + ((lonIdx + 1) >>> 0) * CELL26 * LONG_SCALE;
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  decoded[0] = x;
  decoded[1] = y;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11-character standard geohash of a stored score (re-encoded on -90..90). */
export function geohashString(score: number): string {
  decodeScore(score);
  encode(decoded[0], decoded[1], 26, -180, 180, -90, 90);
  interleave(encLat, encLon);
  let s = '';
  for (let i = 0; i < 10; i++) {
    const sh = 52 - (i + 1) * 5;
    const idx =
      sh >= 32 ? (ilHi >>> (sh - 32)) & 0x1f : ((ilLo >>> sh) | (sh === 0 ? 0 : ilHi << (32 - sh))) & 0x1f;
    s += GEOALPHABET[idx];
  }
  return s + '0';
}

const degRad = (ang: number): number => ang * D_R;

/** Haversine great-circle distance in meters (geohashGetDistance). */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lat1r = degRad(lat1d);
  const lon1r = degRad(lon1d);
  const lat2r = degRad(lat2d);
  const lon2r = degRad(lon2d);
  const u = crSin((lat2r - lat1r) / 2);
  const v = crSin((lon2r - lon1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(u * u + crCos(lat1r) * crCos(lat2r) * v * v));
}

/** geohashEstimateStepsByRadius. */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** A search area (GeoShape): a circle (radius) or an axis-aligned box (width x height). */
export interface GeoShape {
  lon: number;
  lat: number;
  box: boolean;
  radius: number;
  width: number;
  height: number;
  /** Meters per unit. */
  conversion: number;
}

/**
 * The 9 cells to scan (centre, N, S, E, W, NE, NW, SE, SW), filled by searchAreas(): score
 * ranges [min, max) per cell; `zero` marks cells excluded from the search (GZERO), `same`
 * cells equal to the previously processed one (the caller skips those).
 */
export const cellMin = new Float64Array(9);
export const cellMax = new Float64Array(9);
export const cellZero = new Uint8Array(9);
const cellLat = new Float64Array(9);
const cellLon = new Float64Array(9);

/** area.{latitude,longitude}.{min,max} of a cell (geohashDecode on the WGS84 ranges). */
function cellLatMin(latIdx: number, step: number): number {
  return GEO_LAT_MIN + (latIdx / 2 ** step) * (GEO_LAT_MAX - GEO_LAT_MIN);
}
function cellLatMax(latIdx: number, step: number): number {
  return GEO_LAT_MIN + ((latIdx + 1) / 2 ** step) * (GEO_LAT_MAX - GEO_LAT_MIN);
}
function cellLonMin(lonIdx: number, step: number): number {
  return GEO_LONG_MIN + (lonIdx / 2 ** step) * (GEO_LONG_MAX - GEO_LONG_MIN);
}
function cellLonMax(lonIdx: number, step: number): number {
  return GEO_LONG_MIN + ((lonIdx + 1) / 2 ** step) * (GEO_LONG_MAX - GEO_LONG_MIN);
}

/** The centre cell and its neighbours at `step` into cellLat/cellLon (geohashNeighbors). */
function neighbours(lon: number, lat: number, step: number): void {
  encode(lon, lat, step, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
  const m = 2 ** step;
  const la = encLat;
  const lo = encLon;
  const n = (la + 1) % m;
  const s = (la - 1 + m) % m;
  const e = (lo + 1) % m;
  const w = (lo - 1 + m) % m;
  // Moving east/west keeps the latitude bits as they are (and vice versa), overflow included.
  cellLat[0] = la;
  cellLon[0] = lo;
  cellLat[1] = n;
  cellLon[1] = lo;
  cellLat[2] = s;
  cellLon[2] = lo;
  cellLat[3] = la;
  cellLon[3] = e;
  cellLat[4] = la;
  cellLon[4] = w;
  cellLat[5] = n;
  cellLon[5] = e;
  cellLat[6] = n;
  cellLon[6] = w;
  cellLat[7] = s;
  cellLon[7] = e;
  cellLat[8] = s;
  cellLon[8] = w;
}

/**
 * geohashCalculateAreasByShapeWGS84 + scoresOfGeoHashBox: the cells covering the shape, as
 * score ranges in cellMin/cellMax with cellZero flags. Returns the step used.
 */
export function searchAreas(shape: GeoShape): number {
  const { lon, lat } = shape;
  // geohashBoundingBox
  const height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const latDelta = height / EARTH_RADIUS_IN_METERS / D_R;
  const longDeltaTop = width / EARTH_RADIUS_IN_METERS / crCos(degRad(lat + latDelta)) / D_R;
  const longDeltaBottom = width / EARTH_RADIUS_IN_METERS / crCos(degRad(lat - latDelta)) / D_R;
  const southern = lat < 0;
  const minLon = southern ? lon - longDeltaBottom : lon - longDeltaTop;
  const maxLon = southern ? lon + longDeltaBottom : lon + longDeltaTop;
  const minLat = lat - latDelta;
  const maxLat = lat + latDelta;

  let radiusMeters = shape.box
    ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
    : shape.radius;
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, lat);
  neighbours(lon, lat, steps);

  // The estimated step may be too fine near a cell edge: then one step coarser.
  let decrease = false;
  if (cellLatMax(cellLat[1], steps) < maxLat) decrease = true;
  if (cellLatMin(cellLat[2], steps) > minLat) decrease = true;
  if (cellLonMax(cellLon[3], steps) < maxLon) decrease = true;
  if (cellLonMin(cellLon[4], steps) > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    neighbours(lon, lat, steps);
  }

  cellZero.fill(0);
  if (steps >= 2) {
    if (cellLatMin(cellLat[0], steps) < minLat) cellZero[2] = cellZero[8] = cellZero[7] = 1;
    if (cellLatMax(cellLat[0], steps) > maxLat) cellZero[1] = cellZero[5] = cellZero[6] = 1;
    if (cellLonMin(cellLon[0], steps) < minLon) cellZero[4] = cellZero[8] = cellZero[6] = 1;
    if (cellLonMax(cellLon[0], steps) > maxLon) cellZero[3] = cellZero[7] = cellZero[5] = 1;
  }
  for (let i = 0; i < 9; i++) {
    cellMin[i] = align52(cellLat[i], cellLon[i], steps, 0);
    cellMax[i] = align52(cellLat[i], cellLon[i], steps, 1);
  }
  return steps;
}

/** Whether cell i is the same cell as cell j (same bits; all cells share one step). */
export function sameCell(i: number, j: number): boolean {
  return cellLat[i] === cellLat[j] && cellLon[i] === cellLon[j];
}

// Per-search constants of the shape (prepareShape): the centre in radians and its cosine
// (cos is deterministic, so computing it once gives the same bits), the limits in meters.
let cLonR = 0;
let cLatR = 0;
let cCos = 0;
let cCosFast = 0;
let isBox = false;
let radiusM = 0;
let halfWidthM = 0;
let halfHeightM = 0;
/** A latitude difference (radians) beyond which a point is surely outside the shape. */
let latSkipR = 0;
/** Whether the limits suit the pre-test with Math.* (see PRE_MARGIN). */
let preTest = false;
/** The pre-test's limits on the haversine terms: sin^2(radius / 2R), sin(half side / 2R). */
let preA = 0;
let preW = 0;
let preH = 0;

/**
 * The pre-test compares the haversine's terms, computed with V8's Math.sin/cos (faithful:
 * within an ulp or two of the correctly rounded values of the real test), with the limits
 * turned into the same terms (d <= r iff a <= sin^2(r / 2R), as asin and sqrt increase). Below
 * ~19,000 km, where asin is well conditioned, the two computations differ by less than 2^-45
 * relative, so a margin of 1e-9 decides most points without the correctly rounded functions.
 */
const PRE_MARGIN = 1e-9;
const PRE_LIMIT_M = 19000000;
const PRE_MIN_M = 1e-3;
const inPreRange = (m: number): boolean => m >= PRE_MIN_M && m < PRE_LIMIT_M;

export function prepareShape(shape: GeoShape): void {
  cLonR = degRad(shape.lon);
  cLatR = degRad(shape.lat);
  cCos = crCos(cLatR);
  cCosFast = Math.cos(cLatR);
  isBox = shape.box;
  radiusM = shape.radius * shape.conversion;
  halfWidthM = (shape.width * shape.conversion) / 2;
  halfHeightM = (shape.height * shape.conversion) / 2;
  // The haversine distance is at least R * |dlat|: points further apart in latitude than the
  // limit (with a margin far above rounding errors) would be rejected by the exact test too.
  const limit = isBox ? halfHeightM : radiusM;
  latSkipR = (limit * (1 + 1e-9) + 1e-6) / EARTH_RADIUS_IN_METERS;
  preTest = isBox ? inPreRange(halfWidthM) && inPreRange(halfHeightM) : inPreRange(radiusM);
  const sr = Math.sin(radiusM / (2 * EARTH_RADIUS_IN_METERS));
  preA = sr * sr;
  preW = Math.sin(halfWidthM / (2 * EARTH_RADIUS_IN_METERS));
  preH = Math.sin(halfHeightM / (2 * EARTH_RADIUS_IN_METERS));
}

/**
 * Decodes a score into `decoded` and returns the distance from the prepared shape's centre
 * when the point is inside the shape (geoAppendIfWithinShape's tests:
 * geohashGetDistanceIfInRadiusWGS84 / geohashGetDistanceIfInRectangle), else -1.
 */
export function distanceIfInPreparedShape(score: number): number {
  decodeScore(score);
  const latR = degRad(decoded[1]);
  if (Math.abs(latR - cLatR) > latSkipR) return -1;
  const lonR = degRad(decoded[0]);
  if (isBox) {
    // geohashGetDistance(lon, lat, cLon, lat) (u = sin(0) = 0) and
    // geohashGetDistance(lon, lat, lon, cLat) (v = sin(0) = 0), compared with the half sides.
    const dLon = (cLonR - lonR) / 2;
    const dLat = (cLatR - latR) / 2;
    let lonIn = 0; // 1 inside, -1 outside, 0 undecided
    let latIn = 0;
    if (preTest) {
      // lonDistance <= halfWidth iff |cos(lat) sin(dLon)| <= sin(halfWidth / 2R); same for lat.
      const w = Math.abs(Math.cos(latR) * Math.sin(dLon));
      lonIn = w > preW * (1 + PRE_MARGIN) ? -1 : w < preW * (1 - PRE_MARGIN) ? 1 : 0;
      if (lonIn < 0) return -1;
      const h = Math.abs(Math.sin(dLat));
      latIn = h > preH * (1 + PRE_MARGIN) ? -1 : h < preH * (1 - PRE_MARGIN) ? 1 : 0;
      if (latIn < 0) return -1;
    }
    if (lonIn === 0) {
      const cosLat = crCos(latR);
      const v = crSin(dLon);
      if (2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(0 + cosLat * cosLat * v * v)) > halfWidthM)
        return -1;
    }
    if (latIn === 0) {
      const u = crSin(dLat);
      if (2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(u * u + 0)) > halfHeightM) return -1;
    }
    return shapeDistance(latR, lonR);
  }
  if (preTest) {
    const uf = Math.sin((latR - cLatR) / 2);
    const vf = Math.sin((lonR - cLonR) / 2);
    if (uf * uf + cCosFast * Math.cos(latR) * vf * vf > preA * (1 + PRE_MARGIN)) return -1;
  }
  const d = shapeDistance(latR, lonR);
  return d > radiusM ? -1 : d;
}

/** geohashGetDistance(cLon, cLat, lon, lat) with the prepared centre. */
function shapeDistance(latR: number, lonR: number): number {
  const u = crSin((latR - cLatR) / 2);
  const v = crSin((lonR - cLonR) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(u * u + cCos * crCos(latR) * v * v));
}

// ---- printf formats ----------------------------------------------------------------------

/**
 * printf("%.<digits>f") for a finite double: exact decimal rounding with ties to even (glibc);
 * toFixed rounds exact ties away from zero, and a tie means |x| * 2^(digits+1) is an odd integer.
 */
export function formatFixed(x: number, digits: number): string {
  const ax = Math.abs(x);
  let s: string;
  if (ax >= 1e21) {
    s = BigInt(ax).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    s = ax.toFixed(digits);
    const t = ax * 2 ** (digits + 1);
    if (Number.isInteger(t) && t % 2 === 1) {
      const last = s.charCodeAt(s.length - 1) - 48;
      if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
    }
  }
  return x < 0 || Object.is(x, -0) ? '-' + s : s;
}

/** %f (the lon/lat pair of the range error), with C's inf/nan spellings. */
export function formatF(x: number): string {
  if (x !== x) return x < 0 ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return formatFixed(x, 6);
}

/** Distances as Redis replies them: "%.4f". */
export function formatDistance(d: number): string {
  if (d !== d) return '-nan';
  if (d === Infinity) return 'inf';
  return formatFixed(d, 4);
}

/** addReplyHumanLongDouble's text: "%.17Lf" with trailing zeros (and the point) removed. */
export function formatHumanCoord(x: number): string {
  let s = formatFixed(x, 17);
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  s = s.slice(0, end);
  return s === '-0' ? '0' : s;
}
