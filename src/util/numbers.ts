/**
 * Number parsing and formatting with Redis's exact rules (util.c: string2ll, string2ld,
 * ld2string; printf "%.17g" for double replies in Redis 7.0).
 *
 * INCRBYFLOAT and HINCRBYFLOAT compute in C's `long double`, which on x86-64 is the x87
 * 80-bit extended format (64-bit significand). Replaying that in JS doubles gives visibly
 * different results (10.5 + 0.1 must print "10.6", 3010.6 + 5000 "8010.60000000000000009"),
 * so the long double path below emulates the format exactly with BigInt: correctly rounded
 * parsing (glibc strtold), round-to-nearest-even addition, and exact "%.17Lf" printing.
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses a 64-bit signed integer exactly as Redis's string2ll: optional '-', digits, no
 * leading zeros, no spaces or '+', must fit in int64. Returns a number when the value is a
 * safe integer, a bigint otherwise, and null when the string is not an integer in range.
 */
export function parseInt64(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v <= Number.MAX_SAFE_INTEGER) return neg ? -v : v;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  return b;
}

/** parseInt64 over the bytes buf[start, end) (a stored value), without making a string. */
export function parseInt64Bytes(buf: Buffer, start: number, end: number): number | bigint | null {
  const n = end - start;
  if (n === 0 || n > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (n === 1) return null;
  }
  const first = buf[i];
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v <= Number.MAX_SAFE_INTEGER) return neg ? -v : v;
  const b = BigInt(buf.latin1Slice(start, end));
  if (b > INT64_MAX || b < INT64_MIN) return null;
  return b;
}

/** Like parseInt64 but only accepts values that are safe JS integers (|v| <= 2^53-1). */
export function parseSafeInt(s: string): number | null {
  const v = parseInt64(s);
  return typeof v === 'number' ? v : null;
}

export function isInt64(v: bigint): boolean {
  return v <= INT64_MAX && v >= INT64_MIN;
}

export { INT64_MAX, INT64_MIN };

// ---- Shared scanning of C float syntax (strtod / strtold) --------------------------------

const SYNTAX_BAD = 0;
const SYNTAX_DEC = 1;
const SYNTAX_HEX = 2;
const SYNTAX_INF = 3;

/** Position where the number's body starts (after one optional sign). */
function bodyStart(s: string): number {
  const c = s.charCodeAt(0);
  return c === 43 || c === 45 ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** True when s[i..] equals the lowercase word `w` case-insensitively, to the end of s. */
function restIs(s: string, i: number, w: string): boolean {
  if (s.length - i !== w.length) return false;
  for (let k = 0; k < w.length; k++) if ((s.charCodeAt(i + k) | 0x20) !== w.charCodeAt(k)) return false;
  return true;
}

/**
 * Classifies s as a string that C's strtod/strtold consumes entirely (what Redis requires),
 * without leading whitespace (Redis rejects isspace(s[0])). NaN is reported as bad, as every
 * Redis caller rejects it.
 */
function floatSyntax(s: string): number {
  const n = s.length;
  if (n === 0) return SYNTAX_BAD;
  let i = bodyStart(s);
  if (i === n) return SYNTAX_BAD;
  const c = s.charCodeAt(i);
  if ((c | 0x20) === 105) return restIs(s, i, 'inf') || restIs(s, i, 'infinity') ? SYNTAX_INF : SYNTAX_BAD;
  if (c === 48 && i + 1 < n && (s.charCodeAt(i + 1) | 0x20) === 120) {
    // Hex float: 0x h* [. h*] [p [+-] d+], at least one hex digit.
    let j = i + 2;
    let digits = 0;
    for (; j < n && hexVal(s.charCodeAt(j)) >= 0; j++) digits++;
    if (j < n && s.charCodeAt(j) === 46) {
      j++;
      for (; j < n && hexVal(s.charCodeAt(j)) >= 0; j++) digits++;
    }
    if (digits === 0) return SYNTAX_BAD; // strtod stops after the "0"
    if (j < n && (s.charCodeAt(j) | 0x20) === 112) {
      j++;
      if (j < n && (s.charCodeAt(j) === 43 || s.charCodeAt(j) === 45)) j++;
      const e0 = j;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      if (j === e0) return SYNTAX_BAD;
    }
    return j === n ? SYNTAX_HEX : SYNTAX_BAD;
  }
  let digits = 0;
  for (; i < n && isDigit(s.charCodeAt(i)); i++) digits++;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    for (; i < n && isDigit(s.charCodeAt(i)); i++) digits++;
  }
  if (digits === 0) return SYNTAX_BAD;
  if (i < n && (s.charCodeAt(i) | 0x20) === 101) {
    i++;
    if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
    const e0 = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === e0) return SYNTAX_BAD; // "1e" leaves the "e" unconsumed
  }
  return i === n ? SYNTAX_DEC : SYNTAX_BAD;
}

/**
 * A number's exact value as sign * coef * base^exp with coef a bigint, from a string already
 * validated by floatSyntax (decimal: base 10; hex: base 2). Exponents are clamped to ±1e9,
 * far beyond any representable range, so absurd exponents cannot make huge bigints.
 */
interface ExactNumber {
  neg: boolean;
  coef: bigint;
  exp: number;
  /** Significant digits in coef (decimal digits or bits), for range pre-checks. */
  size: number;
}

function readExponent(s: string, i: number): number {
  const n = s.length;
  let neg = false;
  if (s.charCodeAt(i) === 43) i++;
  else if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let e = 0;
  for (; i < n; i++) if (e < 1e9) e = e * 10 + (s.charCodeAt(i) - 48);
  return neg ? -e : e;
}

function exactDecimal(s: string): ExactNumber {
  const n = s.length;
  let i = bodyStart(s);
  const neg = s.charCodeAt(0) === 45;
  let digits = '';
  let frac = 0;
  let seenPoint = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) seenPoint = true;
    else if (isDigit(c)) {
      if (digits.length !== 0 || c !== 48) digits += s[i];
      if (seenPoint) frac++;
    } else break;
  }
  let exp = i < n ? readExponent(s, i + 1) : 0;
  exp -= frac;
  // Trailing zeros into the exponent keep the bigints small.
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  exp += digits.length - end;
  digits = digits.slice(0, end);
  return { neg, coef: digits.length === 0 ? 0n : BigInt(digits), exp, size: digits.length };
}

function exactHex(s: string): ExactNumber {
  const n = s.length;
  let i = bodyStart(s) + 2;
  const neg = s.charCodeAt(0) === 45;
  let coef = 0n;
  let exp = 0;
  let seenPoint = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      seenPoint = true;
      continue;
    }
    const v = hexVal(c);
    if (v < 0) break;
    coef = coef * 16n + BigInt(v);
    if (seenPoint) exp -= 4;
  }
  if (i < n) exp += readExponent(s, i + 1);
  return { neg, coef, exp, size: coef === 0n ? 0 : bitLength(coef) };
}

function bitLength(v: bigint): number {
  // toString(16) is fast for bigints; the top hex digit tells the rest.
  const h = v.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

const POW10_CACHE: bigint[] = [];
function pow10(k: number): bigint {
  if (k < 64) {
    let p = POW10_CACHE[k];
    if (p === undefined) POW10_CACHE[k] = p = 10n ** BigInt(k);
    return p;
  }
  return 10n ** BigInt(k);
}

// ---- Binary floating point with a given significand width (53: double, 64: x87) ---------

/** A finite binary float: (-1)^neg * m * 2^e. */
export interface BinFloat {
  neg: boolean;
  m: bigint;
  e: number;
}

interface BinFormat {
  /** Significand bits. */
  p: number;
  /** Exponent of the least significant bit of subnormals (and of the smallest normal). */
  emin: number;
  /** Largest exponent of the least significant bit of a finite value. */
  emax: number;
}

const FMT_DOUBLE: BinFormat = { p: 53, emin: -1074, emax: 1023 - 52 };
const FMT_X87: BinFormat = { p: 64, emin: -16445, emax: 16383 - 63 };

/**
 * Rounds the exact value N * 2^E (plus a sticky "something non-zero below" flag) to the
 * format, round-half-to-even. Returns null on overflow; a zero m means underflow to zero.
 */
function roundBinary(neg: boolean, N: bigint, E: number, sticky: boolean, f: BinFormat): BinFloat | null {
  if (N === 0n) return { neg, m: 0n, e: f.emin };
  const L = bitLength(N);
  let shift = L - f.p;
  if (E + shift < f.emin) shift = f.emin - E;
  if (shift > 0) {
    const bs = BigInt(shift);
    let q = N >> bs;
    const rem = N - (q << bs);
    const half = 1n << (bs - 1n);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q++;
    if (q === 1n << BigInt(f.p)) {
      q >>= 1n;
      shift++;
    }
    N = q;
    E += shift;
  } else if (shift < 0) {
    N <<= BigInt(-shift);
    E += shift;
  }
  if (N !== 0n && E > f.emax) return null;
  return { neg, m: N, e: E };
}

/**
 * Converts an exact number to the nearest value of the format (C's strtod/strtold in
 * round-to-nearest). Returns null on overflow; m === 0n with a non-zero input is underflow.
 */
function exactToBinary(x: ExactNumber, f: BinFormat, hex: boolean): BinFloat | null {
  if (x.coef === 0n) return { neg: x.neg, m: 0n, e: f.emin };
  if (hex) {
    if (x.exp + x.size > f.emax + f.p + 2) return null;
    if (x.exp + x.size < f.emin - 2) return { neg: x.neg, m: 0n, e: f.emin };
    return roundBinary(x.neg, x.coef, x.exp, false, f);
  }
  // Decimal: value in [10^(size-1+exp), 10^(size+exp)).
  const maxDec = f === FMT_X87 ? 4933 : 309;
  const minDec = f === FMT_X87 ? -4952 : -325;
  if (x.size - 1 + x.exp >= maxDec) return null;
  if (x.size + x.exp <= minDec) return { neg: x.neg, m: 0n, e: f.emin };
  if (x.exp >= 0) return roundBinary(x.neg, x.coef * pow10(x.exp), 0, false, f);
  const P = pow10(-x.exp);
  const s = Math.max(0, bitLength(P) - bitLength(x.coef) + f.p + 2);
  const scaled = x.coef << BigInt(s);
  const q = scaled / P;
  return roundBinary(x.neg, q, -s, scaled - q * P !== 0n, f);
}

// ---- Doubles ------------------------------------------------------------------------------

/**
 * Parses a double like Redis's getDoubleFromObject (strtod): the whole string must be
 * consumed, no leading whitespace, "inf"/"infinity" in any case with an optional sign
 * accepted, NaN rejected, and out-of-range values (overflow to ±inf, or underflow to 0 of a
 * non-zero number) rejected as strtod's ERANGE makes Redis do. Returns null when invalid.
 */
export function parseDouble(s: string): number | null {
  const kind = floatSyntax(s);
  if (kind === SYNTAX_DEC) {
    const v = Number(s); // correctly rounded, like glibc's strtod
    if (v === Infinity || v === -Infinity) return null;
    if (v === 0 && !isZeroLiteral(s)) return null;
    return v;
  }
  if (kind === SYNTAX_INF) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (kind === SYNTAX_HEX) {
    const b = exactToBinary(exactHex(s), FMT_DOUBLE, true);
    if (b === null || (b.m === 0n && exactHex(s).coef !== 0n)) return null;
    return binToNumber(b);
  }
  return null;
}

/** Whether a validated decimal literal is zero (all its digits are 0). */
function isZeroLiteral(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 101 || c === 69) break;
    if (c >= 49 && c <= 57) return false;
  }
  return true;
}

function binToNumber(b: BinFloat): number {
  // m < 2^53 and the scale is exact in doubles when split in two steps.
  const m = Number(b.m);
  const v = b.e < -1000 ? m * 2 ** -1000 * 2 ** (b.e + 1000) : m * 2 ** b.e;
  return b.neg ? -v : v;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The exact binary value of a finite double. */
export function doubleToBin(d: number): BinFloat {
  F64[0] = d;
  const hi = U32[LITTLE_ENDIAN ? 1 : 0];
  const lo = U32[LITTLE_ENDIAN ? 0 : 1];
  const neg = hi >>> 31 === 1;
  const bexp = (hi >>> 20) & 0x7ff;
  const frac = BigInt(hi & 0xfffff) * 4294967296n + BigInt(lo);
  if (bexp === 0) return { neg, m: frac, e: -1074 };
  return { neg, m: frac | (1n << 52n), e: bexp - 1075 };
}

/**
 * Formats a double as C's printf("%.17g") does (Redis 7.0's addReplyDouble), with Redis's
 * "inf"/"-inf"/"nan".
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) return 'nan';
  if (d === 0) return 1 / d < 0 ? '-0' : '0';
  // Integers below 2^53 print exactly (String() would shorten larger ones).
  if (Number.isInteger(d) && d < 9007199254740992 && d > -9007199254740992) return String(d);
  return formatG(d, 17);
}

/**
 * printf("%.<precision>g") for a finite double (1 <= precision <= 17): rounds the exact
 * binary value to `precision` significant digits, ties to even as glibc does.
 */
export function formatG(d: number, precision: number): string {
  if (d === 0) return 1 / d < 0 ? '-0' : '0';
  const neg = d < 0;
  const ex = (neg ? -d : d).toExponential(precision - 1);
  const ePos = ex.indexOf('e');
  let digits = precision === 1 ? ex.slice(0, 1) : ex[0] + ex.slice(2, ePos);
  let x = +ex.slice(ePos + 1);
  // JS rounds exact ties away from zero, printf to even, so only exact ties can differ. A tie
  // rounded up ends in an odd digit, and needs an exact expansion of precision+1 significant
  // digits, which a double has only with few fraction bits: m*2^-k with k <= (p+1)/(1-log10 2).
  if (
    (digits.charCodeAt(digits.length - 1) & 1) === 1 &&
    Number.isInteger(d * 2 ** Math.ceil((precision + 1) / 0.69897))
  ) {
    const t = tieDigits(neg ? -d : d, precision);
    if (t !== null) {
      digits = t.digits;
      x = t.exp;
    }
  }
  return layoutG(neg, digits, x, precision);
}

/**
 * If d's exact decimal expansion is an exact tie at `precision` digits, returns the digits
 * rounded half-to-even (and the decimal exponent), else null.
 */
function tieDigits(d: number, precision: number): { digits: string; exp: number } | null {
  const b = doubleToBin(d);
  let all: string;
  let pointExp: number; // value = 0.all * 10^pointExp ... computed below as integer digits
  if (b.e >= 0) {
    all = (b.m << BigInt(b.e)).toString();
    pointExp = all.length;
  } else {
    all = (b.m * 5n ** BigInt(-b.e)).toString();
    pointExp = all.length + b.e; // value = all * 10^e
  }
  let end = all.length;
  while (end > 0 && all.charCodeAt(end - 1) === 48) end--;
  if (end !== precision + 1 || all.charCodeAt(end - 1) !== 53) return null;
  let q = BigInt(all.slice(0, precision));
  let exp = pointExp - 1;
  if ((q & 1n) === 1n) q++;
  let digits = q.toString();
  if (digits.length > precision) {
    digits = digits.slice(0, precision);
    exp++;
  }
  return { digits, exp };
}

/** %g layout of `digits` (d.ddd...) with decimal exponent x. */
function layoutG(neg: boolean, digits: string, x: number, precision: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  let out: string;
  if (x < -4 || x >= precision) {
    out = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ax = x < 0 ? -x : x;
    out += (x < 0 ? 'e-' : 'e+') + (ax < 10 ? '0' + ax : String(ax));
  } else if (x < 0) {
    out = '0.' + '0'.repeat(-x - 1) + digits;
  } else if (digits.length <= x + 1) {
    out = digits + '0'.repeat(x + 1 - digits.length);
  } else {
    out = digits.slice(0, x + 1) + '.' + digits.slice(x + 1);
  }
  return neg ? '-' + out : out;
}

// ---- long double (x87 80-bit) for INCRBYFLOAT / HINCRBYFLOAT --------------------------------

/** A finite x87 extended value; see BinFloat. Infinity is represented by `null` results. */
export type LongDouble = BinFloat;

/** Largest string Redis's string2ld accepts (MAX_LONG_DOUBLE_CHARS - 1). */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/** Result of parseLongDouble for "inf"/"-inf" (valid input, never a valid result). */
export const LD_INF: LongDouble = Object.freeze({ neg: false, m: -1n, e: 0 });
export const LD_NEG_INF: LongDouble = Object.freeze({ neg: true, m: -1n, e: 0 });

/**
 * Parses a long double like Redis's string2ld (strtold): whole string, no leading space,
 * shorter than 5120 bytes, NaN rejected, overflow and underflow-to-zero rejected (ERANGE).
 * Returns null when invalid; LD_INF / LD_NEG_INF for infinities.
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const kind = floatSyntax(s);
  if (kind === SYNTAX_BAD) return null;
  if (kind === SYNTAX_INF) return s.charCodeAt(0) === 45 ? LD_NEG_INF : LD_INF;
  const hex = kind === SYNTAX_HEX;
  const x = hex ? exactHex(s) : exactDecimal(s);
  const b = exactToBinary(x, FMT_X87, hex);
  if (b === null || (b.m === 0n && x.coef !== 0n)) return null;
  return b;
}

/** A long double from an int64 (exact: 64-bit significand). */
export function longDoubleFromInt(v: number | bigint): LongDouble {
  const b = BigInt(v);
  return b < 0n ? { neg: true, m: -b, e: 0 } : { neg: false, m: b, e: 0 };
}

/** A long double from a double (exact). */
export function longDoubleFromDouble(d: number): LongDouble {
  if (d === Infinity) return LD_INF;
  if (d === -Infinity) return LD_NEG_INF;
  return doubleToBin(d);
}

export function isLongDoubleInf(x: LongDouble): boolean {
  return x.m < 0n;
}

/** a + b in x87 extended precision, round-half-to-even; null when the sum is NaN or ±inf. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m < 0n || b.m < 0n) return null;
  if (a.m === 0n && b.m === 0n) return { neg: a.neg && b.neg, m: 0n, e: FMT_X87.emin };
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = a.e < b.e ? a.e : b.e;
  const gap = a.e < b.e ? b.e - a.e : a.e - b.e;
  if (gap > 200) {
    // The smaller operand is far below half an ulp of the larger: the sum rounds to it.
    return a.e > b.e ? a : b;
  }
  const na = a.m << BigInt(a.e - e);
  const nb = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -na : na) + (b.neg ? -nb : nb);
  if (sum === 0n) return { neg: false, m: 0n, e: FMT_X87.emin };
  return roundBinary(sum < 0n, sum < 0n ? -sum : sum, e, false, FMT_X87);
}

/**
 * Formats a long double as Redis's ld2string(LD_STR_HUMAN): printf("%.17Lf"), trailing
 * zeros after the point removed (and the point itself), "-0" turned into "0";
 * "inf"/"-inf" for infinities.
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.m < 0n) return x.neg ? '-inf' : 'inf';
  if (x.m === 0n) return '0';
  let q: bigint;
  if (x.e >= 0) {
    q = (x.m << BigInt(x.e)) * POW10_17;
  } else {
    const sh = BigInt(-x.e);
    const scaled = x.m * POW10_17;
    q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  if (q === 0n) return '0';
  const ip = q / POW10_17;
  let frac = q - ip * POW10_17;
  let out = ip.toString();
  if (frac !== 0n) {
    let fd = 17;
    while (frac % 10n === 0n) {
      frac /= 10n;
      fd--;
    }
    out += '.' + frac.toString().padStart(fd, '0');
  }
  return x.neg ? '-' + out : out;
}

const POW10_17 = 10n ** 17n;

/**
 * Formats a double as Redis would print the same value held in a long double with
 * ld2string(LD_STR_HUMAN) ("%.17Lf", trailing zeros trimmed). Note that INCRBYFLOAT's
 * results come from long double arithmetic: use parseLongDouble/addLongDouble/
 * formatLongDoubleHuman for those, not a JS double sum.
 */
export function formatHumanDouble(d: number): string {
  if (d !== d) return 'nan';
  return formatLongDoubleHuman(longDoubleFromDouble(d));
}
