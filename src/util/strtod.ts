/**
 * C's strtod as glibc implements it, for the places where Redis calls it directly and its
 * exact acceptance rules show: score ranges (zslParseRange: leading spaces and "" accepted,
 * overflow to inf accepted) and string2d (getDoubleFromObject: no leading space, no
 * overflow/underflow, no NaN). Returns the value; the end index and ERANGE go to
 * `strtodEnd` / `strtodErange` (no allocation per call).
 */

export let strtodEnd = 0;
export let strtodErange = false;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function matchWord(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** strtod(s + start): value; strtodEnd = index after the number (start when none). */
export function strtod(s: string, start = 0): number {
  strtodErange = false;
  const n = s.length;
  let i = start;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = i < n ? s.charCodeAt(i) : 0;
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  if (matchWord(s, i, 'inf')) {
    strtodEnd = matchWord(s, i, 'infinity') ? i + 8 : i + 3;
    return neg ? -Infinity : Infinity;
  }
  if (matchWord(s, i, 'nan')) {
    let e = i + 3;
    if (e < n && s.charCodeAt(e) === 40) {
      let k = e + 1;
      while (k < n) {
        const c = s.charCodeAt(k);
        if (!(isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95)) break;
        k++;
      }
      if (k < n && s.charCodeAt(k) === 41) e = k + 1;
    }
    strtodEnd = e;
    return NaN;
  }
  // Hexadecimal: 0x followed by at least one hex digit (possibly after the point).
  if (i + 1 < n && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    let k = i + 2;
    let v = 0;
    let digits = 0;
    let nonzero = false;
    while (k < n && hexVal(s.charCodeAt(k)) !== -1) {
      const h = hexVal(s.charCodeAt(k));
      v = v * 16 + h;
      if (h !== 0) nonzero = true;
      digits++;
      k++;
    }
    let scale = 0;
    if (k < n && s.charCodeAt(k) === 46) {
      let k2 = k + 1;
      while (k2 < n && hexVal(s.charCodeAt(k2)) !== -1) {
        const h = hexVal(s.charCodeAt(k2));
        v = v * 16 + h;
        if (h !== 0) nonzero = true;
        scale -= 4;
        digits++;
        k2++;
      }
      if (digits > 0) k = k2;
    }
    if (digits > 0) {
      if (k < n && (s.charCodeAt(k) | 0x20) === 112) {
        let k2 = k + 1;
        let eneg = false;
        const c = k2 < n ? s.charCodeAt(k2) : 0;
        if (c === 43 || c === 45) {
          eneg = c === 45;
          k2++;
        }
        if (k2 < n && isDigit(s.charCodeAt(k2))) {
          let e = 0;
          while (k2 < n && isDigit(s.charCodeAt(k2))) {
            e = Math.min(e * 10 + (s.charCodeAt(k2) - 48), 100000);
            k2++;
          }
          scale += eneg ? -e : e;
          k = k2;
        }
      }
      let value = v * Math.pow(2, scale);
      if (!Number.isFinite(value) || (value === 0 && nonzero)) {
        strtodErange = true;
        if (!Number.isFinite(value)) value = Infinity;
      }
      strtodEnd = k;
      return neg ? -value : value;
    }
    // "0x" without digits: only the 0 converts.
    strtodEnd = i + 1;
    return neg ? -0 : 0;
  }
  const numStart = i;
  let mantDigits = 0;
  let nonzero = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    if (s.charCodeAt(i) !== 48) nonzero = true;
    mantDigits++;
    i++;
  }
  if (i < n && s.charCodeAt(i) === 46) {
    let k = i + 1;
    let frac = 0;
    while (k < n && isDigit(s.charCodeAt(k))) {
      if (s.charCodeAt(k) !== 48) nonzero = true;
      frac++;
      k++;
    }
    if (mantDigits + frac > 0) i = k;
    mantDigits += frac;
  }
  if (mantDigits === 0) {
    strtodEnd = start;
    return 0;
  }
  if (i < n && (s.charCodeAt(i) | 0x20) === 101) {
    let k = i + 1;
    const c = k < n ? s.charCodeAt(k) : 0;
    if (c === 43 || c === 45) k++;
    if (k < n && isDigit(s.charCodeAt(k))) {
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      i = k;
    }
  }
  const value = Number(s.slice(numStart, i));
  if (!Number.isFinite(value) || (value === 0 && nonzero)) strtodErange = true;
  strtodEnd = i;
  return neg ? -value : value;
}

/**
 * Redis's string2d (getDoubleFromObject): the whole string is one number, no leading
 * space, no overflow or underflow to zero, not NaN. Returns null when invalid.
 */
export function string2d(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const quick = plainDecimal(s);
  if (quick === quick) return quick; // not NaN: the common case, parsed without a slice
  const v = strtod(s);
  if (strtodEnd !== s.length || Number.isNaN(v)) return null;
  if (strtodErange && (v === Infinity || v === -Infinity || v === 0)) return null;
  return v;
}

/** Exact powers of ten for plainDecimal. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A short plain decimal (`-?digits[.digits]`, at most 24 chars) parsed by Number(), which
 * rounds correctly as strtod does; no exponent, so no overflow or underflow. NaN for any
 * other form (left to strtod).
 */
function plainDecimal(s: string): number {
  const n = s.length;
  if (n > 24) return NaN;
  const neg = s.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  const intStart = i;
  // The digits as an integer m while it is exact (at most 15 digits, < 2^53).
  let m = 0;
  let c: number;
  while (i < n && isDigit((c = s.charCodeAt(i)))) {
    m = m * 10 + (c - 48);
    i++;
  }
  if (i === intStart) return NaN;
  let fracDigits = 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return NaN;
    const fracStart = ++i;
    while (i < n && isDigit((c = s.charCodeAt(i)))) {
      m = m * 10 + (c - 48);
      i++;
    }
    if (i === fracStart || i < n) return NaN;
    fracDigits = i - fracStart;
  }
  // m and 10^fracDigits are exact doubles, so one division rounds correctly, as strtod does.
  if (i - intStart - (fracDigits > 0 ? 1 : 0) <= 15) {
    const v = fracDigits === 0 ? m : m / POW10[fracDigits];
    return neg ? -v : v;
  }
  return Number(s);
}
