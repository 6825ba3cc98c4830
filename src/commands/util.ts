/**
 * Shared helpers for command handlers: Redis's common error texts and argument parsing
 * that replies with the right error. Handlers parse arguments, call a store operation and
 * write a reply; anything two groups need lives here.
 */
import type { Client } from '../server/client.js';
import type { Value } from '../store/database.js';
import { parseInt64, parseDouble } from '../util/numbers.js';
import { NOTIFY_KEY_MISS } from '../server/notify.js';

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export const ERR_OUT_OF_RANGE = 'ERR value is out of range, must be positive';
export const ERR_TIMEOUT = 'ERR timeout is not a float or out of range';

/** Parses an int64 argument that must fit a JS safe integer; replies ERR_NOT_INTEGER and returns null otherwise. */
export function intArg(c: Client, s: string, err = ERR_NOT_INTEGER): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(err);
    return null;
  }
  if (typeof v === 'bigint') {
    // Beyond 2^53: clamp into a number; callers needing exact 64-bit values use int64Arg.
    return Number(v);
  }
  return v;
}

/**
 * getRangeLongFromObjectOrReply(min, LONG_MAX): an int64 argument of at least `min`, with
 * one error text for bad input and out-of-range values alike.
 */
export function rangeIntArg(c: Client, s: string, min: number, err: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < min) {
    c.error(err);
    return null;
  }
  return Number(v);
}

/** Parses an exact int64 argument (number when safe, bigint otherwise). */
export function int64Arg(c: Client, s: string, err = ERR_NOT_INTEGER): number | bigint | null {
  const v = parseInt64(s);
  if (v === null) c.error(err);
  return v;
}

/** Parses a double argument (Redis's getDoubleFromObjectOrReply); NaN is rejected. */
export function floatArg(c: Client, s: string, err = ERR_NOT_FLOAT): number | null {
  const v = parseDouble(s);
  if (v === null) c.error(err);
  return v;
}

/**
 * Reads a key that must hold a string (counting keyspace hits/misses like lookupKeyRead).
 * Returns the StringStore handle, null when the key does not exist, or undefined after
 * replying WRONGTYPE.
 */
export function readString(c: Client, key: string): number | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** Same as readString but for writing (no keyspace hit/miss accounting). */
export function writeString(c: Client, key: string): number | null | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return null;
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/**
 * Looks a key up for reading (Redis's lookupKeyRead): counts keyspace hits and misses for
 * INFO and fires the `keymiss` keyspace event on a miss.
 */
export function lookupReadCounted(c: Client, key: string): Value | undefined {
  const v = c.db.lookupRead(key, (c.flags & CLIENT_NO_TOUCH_BIT) === 0);
  if (v === undefined) {
    c.server.stats.keyspaceMisses++;
    c.server.notifyKeyspaceEvent(NOTIFY_KEY_MISS, 'keymiss', key, c.db.id);
  } else c.server.stats.keyspaceHits++;
  return v;
}

const CLIENT_NO_TOUCH_BIT = 1 << 7;

/** Case-insensitive comparison of an argument with a lowercase keyword. */
export function eq(arg: string, lower: string): boolean {
  return arg.length === lower.length && arg.toLowerCase() === lower;
}

// ---- HSCAN / SSCAN / ZSCAN ---------------------------------------------------------------------

const SCAN_CURSOR_RE = /^[+-]?[0-9]+$/;
const TWO_64 = 1n << 64n;

/**
 * A SCAN cursor as Redis parses it (strtoul, base 10): an optional sign (a minus negates
 * modulo 2^64), digits, no leading space, at most 2^64-1; the empty string is cursor 0.
 * Returns null for an invalid cursor (the caller replies `ERR invalid cursor`). Cursors
 * beyond 2^53 come back approximate: no collection hands them out, they only restart a scan.
 */
export function parseScanCursor(s: string): number | null {
  if (s.length === 0) return 0;
  if (!SCAN_CURSOR_RE.test(s)) return null;
  const neg = s.charCodeAt(0) === 45;
  const digits = s.charCodeAt(0) === 43 || neg ? s.slice(1) : s;
  if (digits.length < 16 && !neg) return Number(digits);
  const v = BigInt(digits);
  if (v >= TWO_64) return null;
  return Number(neg ? (TWO_64 - v) % TWO_64 : v);
}

/** COUNT and MATCH of HSCAN/SSCAN/ZSCAN; `pattern` is null when absent or `*`. */
export interface ScanOptions {
  count: number;
  pattern: string | null;
}

/**
 * Parses `[MATCH pattern] [COUNT count]` from argv[start...] as Redis's scanGenericCommand
 * does for a collection key (TYPE is only for SCAN); replies and returns null on an error.
 */
export function parseScanOptions(c: Client, argv: string[], start: number): ScanOptions | null {
  const opts: ScanOptions = { count: 10, pattern: null };
  for (let i = start; i < argv.length;) {
    const more = argv.length - i;
    if (more >= 2 && eq(argv[i], 'count')) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return null;
      }
      if (v < 1) {
        c.error(ERR_SYNTAX);
        return null;
      }
      opts.count = Number(v);
      i += 2;
    } else if (more >= 2 && eq(argv[i], 'match')) {
      const p = argv[i + 1];
      opts.pattern = p === '*' ? null : p;
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  return opts;
}

/** The empty reply of a SCAN-family command on a missing key: cursor 0, no elements. */
export function replyEmptyScan(c: Client): void {
  c.out.raw('*2\r\n$1\r\n0\r\n*0\r\n');
}

/**
 * For replies of unbounded size (SRANDMEMBER/HRANDFIELD with a huge negative count): true
 * once the client is being closed or its reply passed 1 GB, so the producer stops — like
 * Redis's loops checking CLIENT_CLOSE_ASAP after hitting an output buffer limit. The client
 * is then closed (its reply was promised more elements than it will get).
 */
export function replyOverflowed(c: Client): boolean {
  if ((c.flags & CLIENT_CLOSE_ASAP_BIT) === 0 && c.out.pos <= REPLY_HARD_LIMIT) return false;
  c.flags |= CLIENT_CLOSE_ASAP_BIT;
  return true;
}

const CLIENT_CLOSE_ASAP_BIT = 1 << 1;
const REPLY_HARD_LIMIT = 1 << 30;
