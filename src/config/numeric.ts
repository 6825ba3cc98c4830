/**
 * Numeric option values exactly as Redis 7.0 parses, checks and prints them
 * (config.c numericParseString / numericBoundaryCheck / numericConfigGet, util.c memtoull).
 * Values are kept as a JS number when safe, as a bigint otherwise (maxmemory may be
 * anything up to 2^64-1).
 */
import { parseInt64 } from '../util/numbers.js';
import type { OptionDef } from './options.js';

/** Numeric option flavours (Redis: MEMORY_CONFIG, PERCENT_CONFIG, OCTAL_CONFIG). */
export const NUM_MEMORY = 1;
export const NUM_PERCENT = 2;
export const NUM_OCTAL = 4;

const ULLONG_MAX = 18446744073709551615n;

const UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * Redis's memtoull: digits followed by an optional unit (b, k, kb, m, mb, g, gb, any case).
 * No sign. strtoull's overflow saturates at 2^64-1, which is then accepted. Null on error.
 */
export function memtoull(s: string): bigint | null {
  let i = 0;
  if (s.charCodeAt(0) === 45) return null;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined) return null;
  let val = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (val > ULLONG_MAX) val = ULLONG_MAX;
  if (val > ULLONG_MAX / mul) return null;
  return val * mul;
}

/** Parses the (memory) size of a value like `1gb`, as a number (saturating), or null. */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

/** strtoll(s, &end, 8) with `*end == '\0'` and no overflow. */
function strtollOctal(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(s);
  if (!m) return null;
  const v = BigInt('0o' + m[2]) * (m[1] === '-' ? -1n : 1n);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** Returns the value as a number when it is a safe integer, else as a bigint. */
export function compact(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Parses and range-checks a numeric option's argument; the error texts are Redis's. */
export function parseNumeric(def: OptionDef, s: string): { value: number | bigint } | { error: string } {
  const flags = def.numFlags ?? 0;
  let ll: bigint | null = null;
  if (flags & NUM_MEMORY) {
    const m = memtoull(s);
    // Stored in a long long first, as Redis does (2^64-1 becomes -1 for signed options).
    if (m !== null) ll = toInt64(m);
  }
  if (ll === null && flags & NUM_PERCENT && s.length > 1 && s.endsWith('%')) {
    const p = parseInt64(s.slice(0, -1));
    if (p !== null && BigInt(p) >= 0n) ll = -BigInt(p);
  }
  if (ll === null && flags & NUM_OCTAL) ll = strtollOctal(s);
  if (ll === null && flags === 0) {
    const p = parseInt64(s);
    if (p !== null) ll = BigInt(p);
  }
  if (ll === null) {
    if (flags & NUM_MEMORY && flags & NUM_PERCENT)
      return { error: 'argument must be a memory or percent value' };
    if (flags & NUM_MEMORY) return { error: 'argument must be a memory value' };
    if (flags & NUM_OCTAL) return { error: "argument couldn't be parsed as an octal number" };
    return { error: "argument couldn't be parsed into an integer" };
  }
  const min = def.min!;
  const max = def.max!;
  if (def.unsigned) {
    const u = BigInt.asUintN(64, ll);
    if (u > max || u < min) {
      if (flags & NUM_OCTAL)
        return { error: `argument must be between ${min.toString(8)} and ${max.toString(8)} inclusive` };
      return { error: `argument must be between ${min} and ${max} inclusive` };
    }
    return { value: compact(u) };
  }
  if (flags & NUM_PERCENT && ll < 0n) {
    if (ll < min) return { error: `percentage argument must be less or equal to ${-min}` };
  } else if (ll > max || ll < min) {
    return { error: `argument must be between ${min} and ${max} inclusive` };
  }
  return { value: compact(ll) };
}

/** CONFIG GET text of a numeric value. */
export function formatNumeric(def: OptionDef, v: number | bigint): string {
  const flags = def.numFlags ?? 0;
  if (flags & NUM_PERCENT && v < 0) return `${-BigInt(v)}%`;
  if (flags & NUM_OCTAL) return v.toString(8);
  return v.toString();
}

/** Redis's rewriteConfigFormatMemory: the largest exact unit among gb, mb, kb. */
export function formatMemoryForRewrite(v: number | bigint): string {
  const b = BigInt(v);
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (b !== 0n && b % gb === 0n) return `${b / gb}gb`;
  if (b !== 0n && b % mb === 0n) return `${b / mb}mb`;
  if (b !== 0n && b % kb === 0n) return `${b / kb}kb`;
  return b.toString();
}
