/**
 * Number parsing and formatting with Redis's exact rules (util.c: string2ll, string2ld,
 * ld2string; %.17g for replies of doubles in Redis 7.0).
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

/** Like parseInt64 but only accepts values that are safe JS integers (|v| <= 2^53-1). */
export function parseSafeInt(s: string): number | null {
  const v = parseInt64(s);
  return typeof v === 'number' ? v : null;
}

export function isInt64(v: bigint): boolean {
  return v <= INT64_MAX && v >= INT64_MIN;
}

export { INT64_MAX, INT64_MIN };

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)$/i;
const HEX_FLOAT_RE = /^[+-]?0x/i;

/**
 * Parses a double like Redis's string2d/strtod-based getDoubleFromObject: the whole string
 * must be consumed, no leading/trailing spaces, "inf"/"-inf"/"+inf"/"infinity" accepted,
 * "nan" rejected. Returns null when invalid.
 */
export function parseDouble(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 5000) return null;
  const c0 = s.charCodeAt(0);
  const cl = s.charCodeAt(n - 1);
  // isspace() at either end is rejected
  if (c0 === 32 || (c0 >= 9 && c0 <= 13) || cl === 32 || (cl >= 9 && cl <= 13)) return null;
  if (!FLOAT_RE.test(s)) {
    if (HEX_FLOAT_RE.test(s)) return parseHexFloat(s);
    return null;
  }
  const lower = s.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return c0 === 45 ? -Infinity : Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

function parseHexFloat(s: string): number | null {
  const m = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  let v = 0;
  for (const ch of m[2]) v = v * 16 + parseInt(ch, 16);
  let scale = 1 / 16;
  for (const ch of m[3] ?? '') {
    v += parseInt(ch, 16) * scale;
    scale /= 16;
  }
  if (m[4]) v *= Math.pow(2, parseInt(m[4], 10));
  return m[1] === '-' ? -v : v;
}

/** Formats a double as C's printf("%.17g") does, with Redis's "inf"/"-inf"/"nan". */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return String(d);
  return formatG(d, 17);
}

/** printf("%.<precision>g") for a finite, non-zero double. */
export function formatG(d: number, precision: number): string {
  const exp = d.toExponential(precision - 1); // exact rounding, like printf
  const ePos = exp.indexOf('e');
  const x = parseInt(exp.slice(ePos + 1), 10);
  if (x < -4 || x >= precision) {
    let mant = exp.slice(0, ePos);
    if (mant.indexOf('.') !== -1) mant = mant.replace(/\.?0+$/, '');
    const ax = Math.abs(x);
    return mant + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax));
  }
  let fixed = d.toFixed(precision - 1 - x);
  if (fixed.indexOf('.') !== -1) fixed = fixed.replace(/\.?0+$/, '');
  return fixed;
}

/**
 * Formats a double as Redis's ld2string(LD_STR_HUMAN) for INCRBYFLOAT/HINCRBYFLOAT:
 * "%.17Lf" with trailing zeros (and a trailing '.') removed. Redis uses a long double; the
 * result is the shortest decimal that round-trips for typical inputs.
 */
export function formatHumanDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  let s = d.toFixed(17);
  if (Math.abs(d) >= 1e21) s = BigInt(d).toString() + '.' + '0'.repeat(17);
  if (s.indexOf('.') !== -1) s = s.replace(/\.?0+$/, '');
  return s;
}
