/**
 * C printf number formatting as glibc does it: exact decimal expansion of the double and
 * round-half-even on exact ties (JS's toFixed/toExponential round ties up, so they differ
 * on values like 0.125 or 2.5).
 */

const dv = new DataView(new ArrayBuffer(8));

/** |x| (finite, non-zero) as an integer digit string D and exponent k: |x| = D × 10^k. */
function exact(x: number): { d: string; k: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  if (e2 >= 0) return { d: (mant << BigInt(e2)).toString(), k: 0 };
  // strip factors of two to keep the numbers small
  while (e2 < 0 && (mant & 1n) === 0n) {
    mant >>= 1n;
    e2++;
  }
  if (e2 >= 0) return { d: (mant << BigInt(e2)).toString(), k: 0 };
  return { d: (mant * 5n ** BigInt(-e2)).toString(), k: e2 };
}

/** Round the digit string D (value D × 10^k) to an integer count of units of 10^-p. */
function roundAt(d: string, k: number, p: number): string {
  const shift = k + p;
  if (shift >= 0) return d + '0'.repeat(shift);
  const cut = -shift;
  let head: string;
  let tail: string;
  if (cut >= d.length) {
    head = '0';
    tail = '0'.repeat(cut - d.length) + d;
  } else {
    head = d.slice(0, d.length - cut);
    tail = d.slice(d.length - cut);
  }
  const first = tail.charCodeAt(0) - 48;
  let up = false;
  if (first > 5) up = true;
  else if (first === 5) {
    const rest = /[1-9]/.test(tail.slice(1));
    up = rest || (head.charCodeAt(head.length - 1) - 48) % 2 === 1;
  }
  if (!up) return head;
  return (BigInt(head) + 1n).toString();
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** %.<p>f of |x| (sign handled by the caller). */
export function fixedAbs(x: number, p: number, alt = false): string {
  let digits: string;
  if (x === 0) digits = '0';
  else {
    const { d, k } = exact(x);
    digits = roundAt(d, k, p);
  }
  if (p === 0) return digits + (alt ? '.' : '');
  if (digits.length <= p) digits = '0'.repeat(p - digits.length + 1) + digits;
  return digits.slice(0, digits.length - p) + '.' + digits.slice(digits.length - p);
}

/** Mantissa digits (p+1 significant) and decimal exponent of |x| for %e. */
function expParts(x: number, p: number): { m: string; e: number } {
  if (x === 0) return { m: '0'.repeat(p + 1), e: 0 };
  const { d, k } = exact(x);
  let e = d.length - 1 + k;
  // round to p+1 significant digits
  let r = roundAt(d, k, p - e);
  if (r.length > p + 1) {
    // 9.99 -> 10.0: one more digit
    e++;
    r = r.slice(0, p + 1);
  }
  return { m: r, e };
}

export function expAbs(x: number, p: number, alt = false, upper = false): string {
  const { m, e } = expParts(x, p);
  const ae = Math.abs(e);
  const mant = p === 0 ? m + (alt ? '.' : '') : m[0] + '.' + m.slice(1);
  return mant + (upper ? 'E' : 'e') + (e < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
}

export function genAbs(x: number, p: number, alt = false, upper = false): string {
  if (p === 0) p = 1;
  const e = x === 0 ? 0 : expParts(x, p - 1).e;
  let s: string;
  if (e < -4 || e >= p) s = expAbs(x, p - 1, alt, upper);
  else s = fixedAbs(x, p - 1 - e, alt);
  if (!alt) {
    if (e < -4 || e >= p) {
      const i = s.indexOf(upper ? 'E' : 'e');
      s = stripZeros(s.slice(0, i)) + s.slice(i);
    } else s = stripZeros(s);
  }
  return s;
}

function nonFinite(x: number, upper: boolean): string {
  const s = x !== x ? 'nan' : 'inf';
  return upper ? s.toUpperCase() : s;
}

export interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  prec: number; // -1: none
}

function pad(sign: string, body: string, spec: Spec, zeroOk: boolean): string {
  const len = sign.length + body.length;
  if (len >= spec.width) return sign + body;
  const fill = spec.width - len;
  if (spec.minus) return sign + body + ' '.repeat(fill);
  if (spec.zero && zeroOk) return sign + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + sign + body;
}

export function fmtFloat(x: number, conv: string, spec: Spec): string {
  const upper = conv === 'E' || conv === 'G' || conv === 'F';
  const neg = x < 0 || Object.is(x, -0) || (x !== x && nanSign(x));
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const a = Math.abs(x);
  if (!isFinite(x)) return pad(sign, nonFinite(x, upper), spec, false);
  const p = spec.prec < 0 ? 6 : spec.prec;
  let body: string;
  if (conv === 'f' || conv === 'F') body = fixedAbs(a, p, spec.alt);
  else if (conv === 'e' || conv === 'E') body = expAbs(a, p, spec.alt, upper);
  else body = genAbs(a, p, spec.alt, upper);
  return pad(sign, body, spec, true);
}
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** The sign bit of a NaN (glibc prints "-nan"; x86's 0/0 gives a negative NaN and V8 keeps
 * NaN bits as computed). */
export function nanSign(x: number): boolean {
  f64[0] = x;
  return u32[1] >>> 31 === 1;
}

/** %d/%i of a value already converted to a C long long (as a bigint). */
export function fmtInt(x: number, conv: string, spec: Spec): string {
  let sign = '';
  let digits: string;
  // doubles within 2^53 format directly; others go through the C long long conversion
  let v: number | bigint = Number.isSafeInteger(Math.trunc(x)) ? Math.trunc(x) : toLongLong(x);
  if (conv === 'd' || conv === 'i') {
    if (v < 0) {
      sign = '-';
      v = -v;
    } else sign = spec.plus ? '+' : spec.space ? ' ' : '';
    digits = v.toString();
  } else {
    if (v < 0) v = BigInt(v) + (1n << 64n);
    digits = v.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
    if (conv === 'X') digits = digits.toUpperCase();
  }
  if (spec.prec >= 0) {
    if (spec.prec === 0 && (v === 0 || v === 0n)) digits = '';
    if (digits.length < spec.prec) digits = '0'.repeat(spec.prec - digits.length) + digits;
  }
  if (spec.alt) {
    if (conv === 'o' && digits[0] !== '0') digits = '0' + digits;
    else if ((conv === 'x' || conv === 'X') && v !== 0 && v !== 0n) sign = conv === 'x' ? '0x' : '0X';
  }
  return pad(sign, digits, spec, spec.prec < 0);
}

export function fmtStr(s: string, spec: Spec): string {
  if (spec.prec >= 0 && s.length > spec.prec) s = s.slice(0, spec.prec);
  return pad('', s, spec, false);
}

/** %.14g (LUA_NUMBER_FMT) — tostring() of a number. */
export function g14(x: number): string {
  if (!isFinite(x)) return x !== x ? (nanSign(x) ? '-nan' : 'nan') : x > 0 ? 'inf' : '-inf';
  const s = genAbs(Math.abs(x), 14);
  return x < 0 || Object.is(x, -0) ? '-' + s : s;
}

/** double → C long long as x86-64 converts (out of range: INT64_MIN). */
export function toLongLong(x: number): bigint {
  if (x !== x || x >= 2 ** 63 || x < -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(x));
}
