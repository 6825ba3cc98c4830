/**
 * String commands (Redis's t_string.c). Values live in the off-heap StringStore as bytes: GET
 * copies them straight into the reply buffer, SET overwrites a key's existing slot in place,
 * APPEND and SETRANGE grow the value in place (amortised O(1) appends).
 *
 * The store's encoding column tracks what OBJECT ENCODING reports in Redis 7.0: values set
 * from a client argument (SET, SETNX, SETEX, GETSET, MSET, APPEND on a new key) get
 * tryObjectEncoding's choice (`int` for a canonical int64 of <= 20 chars, `embstr` up to 44
 * bytes, else `raw`); INCR & co. make `int`; INCRBYFLOAT `embstr`/`raw` by length; APPEND and
 * SETRANGE on an existing value `raw`.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { Database, Value } from '../store/database.js';
import { ENC_EMBSTR, ENC_INT, ENC_RAW } from '../store/strings.js';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  lookupReadCounted,
} from './util.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify.js';
import {
  INT64_MAX,
  INT64_MIN,
  addLongDouble,
  formatLongDoubleHuman,
  parseInt64,
  parseInt64Bytes,
  parseLongDouble,
  type LongDouble,
} from '../util/numbers.js';

const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
const ERR_OFFSET_RANGE = 'ERR offset is out of range';
const ERR_DECR_OVERFLOW = 'ERR decrement would overflow';
const ERR_INCR_NAN = 'ERR increment would produce NaN or Infinity';
const ERR_LCS_TYPES = 'ERR The specified keys must contain string values';
const ERR_LCS_LEN_IDX = 'ERR If you want both the length and indexes, please just use IDX.';
const ERR_LCS_MEMORY = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
/** Redis's string2ld buffer: longer stored values are never valid floats (checked before reading). */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

// ---- helpers ------------------------------------------------------------------------------

/** Writes the value of string handle h as a bulk reply, copying its bytes directly. */
function replyValue(c: Client, h: number): void {
  const s = c.db.strings;
  const start = s.bufferStart(h);
  c.out.bulkBytes(s.bufferOf(h), start, start + s.length(h));
}

/**
 * Redis's getGenericCommand: replies the value (or null). Returns false after replying
 * WRONGTYPE, so callers (GETSET, GETDEL, SET ... GET) stop.
 */
function getGeneric(c: Client, key: string): boolean {
  const v = lookupReadCounted(c, key);
  if (v === undefined) {
    c.out.nullBulk();
    return true;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return false;
  }
  replyValue(c, v);
  return true;
}

/**
 * Stores a client-supplied value at key (Redis's setKey with tryObjectEncoding): an existing
 * string handle is overwritten in place; the TTL is cleared unless keepTtl.
 */
function storeString(
  db: Database,
  key: string,
  old: Value | undefined,
  val: string | Buffer,
  keepTtl: boolean,
): void {
  if (typeof old === 'number') {
    db.strings.overwriteValue(old, val);
    db.setKey(key, old, keepTtl);
  } else {
    db.setKey(key, db.strings.createValue(val), keepTtl);
  }
}

/**
 * The value argument argv[i]: its bytes when it came as a big argument (see the SET family's
 * `bigValueArg` below), else its text.
 */
function valueArg(c: Client, argv: string[], i: number): string | Buffer {
  const big = c.bigArgs;
  if (big !== null) {
    const b = big[i];
    if (b !== undefined) return b;
  }
  return argv[i];
}

/**
 * A value as a propagated argv holds it. A big argument stays bytes only while there is no
 * AOF or replica (see keepsBigArgs in dispatcher.ts), and then nothing keeps that argv.
 */
function propagatedValue(val: string | Buffer): string {
  return typeof val === 'string' ? val : '';
}

/**
 * Case-insensitive keyword match with C-string semantics: Redis compares options with
 * strcasecmp or char tests that stop at the first NUL, so "EX\0junk" is still EX.
 */
function kw(arg: string, lower: string): boolean {
  const n = lower.length;
  if (arg.length < n || (arg.length > n && arg.charCodeAt(n) !== 0)) return false;
  for (let i = 0; i < n; i++) if ((arg.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Absolute ms as the decimal text Redis would propagate (clamped to int64). */
function msToString(ms: number): string {
  if (ms <= Number.MAX_SAFE_INTEGER) return String(ms);
  return ms >= 2 ** 63 ? '9223372036854775807' : BigInt(ms).toString();
}

// ---- SET and its options ------------------------------------------------------------------

const OBJ_SET_NX = 1 << 0;
const OBJ_SET_XX = 1 << 1;
const OBJ_EX = 1 << 2;
const OBJ_PX = 1 << 3;
const OBJ_KEEPTTL = 1 << 4;
const OBJ_SET_GET = 1 << 5;
const OBJ_EXAT = 1 << 6;
const OBJ_PXAT = 1 << 7;
const OBJ_PERSIST = 1 << 8;
const ANY_EXPIRE = OBJ_EX | OBJ_PX | OBJ_EXAT | OBJ_PXAT;

const COMMAND_GET = 0;
const COMMAND_SET = 1;

/** argv index of the expire value found by the last parseExtendedStringArgs, or -1. */
let parsedExpireArg = -1;

/**
 * Parses SET's / GETEX's options exactly as Redis's parseExtendedStringArgumentsOrReply:
 * each option is accepted only when no conflicting one was seen before (a repeated EX is
 * fine, EX after PX is not). Returns the flags, or -1 after replying a syntax error.
 */
function parseExtendedStringArgs(c: Client, argv: string[], type: number): number {
  let flags = 0;
  parsedExpireArg = -1;
  const argc = argv.length;
  for (let j = type === COMMAND_GET ? 2 : 3; j < argc; j++) {
    const opt = argv[j];
    const hasNext = j < argc - 1;
    if (type === COMMAND_SET && kw(opt, 'nx') && (flags & OBJ_SET_XX) === 0) {
      flags |= OBJ_SET_NX;
    } else if (type === COMMAND_SET && kw(opt, 'xx') && (flags & OBJ_SET_NX) === 0) {
      flags |= OBJ_SET_XX;
    } else if (type === COMMAND_SET && kw(opt, 'get')) {
      flags |= OBJ_SET_GET;
    } else if (type === COMMAND_SET && kw(opt, 'keepttl') && (flags & (OBJ_PERSIST | ANY_EXPIRE)) === 0) {
      flags |= OBJ_KEEPTTL;
    } else if (type === COMMAND_GET && kw(opt, 'persist') && (flags & (ANY_EXPIRE | OBJ_KEEPTTL)) === 0) {
      flags |= OBJ_PERSIST;
    } else if (
      kw(opt, 'ex') &&
      hasNext &&
      (flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EXAT | OBJ_PX | OBJ_PXAT)) === 0
    ) {
      flags |= OBJ_EX;
      parsedExpireArg = ++j;
    } else if (
      kw(opt, 'px') &&
      hasNext &&
      (flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PXAT)) === 0
    ) {
      flags |= OBJ_PX;
      parsedExpireArg = ++j;
    } else if (
      kw(opt, 'exat') &&
      hasNext &&
      (flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_PX | OBJ_PXAT)) === 0
    ) {
      flags |= OBJ_EXAT;
      parsedExpireArg = ++j;
    } else if (
      kw(opt, 'pxat') &&
      hasNext &&
      (flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PX)) === 0
    ) {
      flags |= OBJ_PXAT;
      parsedExpireArg = ++j;
    } else {
      c.error(ERR_SYNTAX);
      return -1;
    }
  }
  return flags;
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute expire time in ms for an EX/PX (relative)
 * or EXAT/PXAT (absolute) argument, or -1 after replying an error. `cmd` names the command
 * in "invalid expire time in '<cmd>' command".
 */
function expireMsOrReply(c: Client, arg: string, flags: number, cmd: string): number {
  const v = parseInt64(arg);
  if (v === null) {
    c.error(ERR_NOT_INTEGER);
    return -1;
  }
  const seconds = (flags & (OBJ_EX | OBJ_EXAT)) !== 0;
  const relative = (flags & (OBJ_EX | OBJ_PX)) !== 0;
  if (typeof v === 'number' && v > 0 && v < 2 ** 40) {
    // The common case: no overflow possible, exact in doubles.
    const ms = seconds ? v * 1000 : v;
    return relative ? ms + c.server.cmdTime : ms;
  }
  let ms = BigInt(v);
  // <= 0, or seconds that overflow int64 once in ms; then int64 overflow of now + ttl.
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) {
    c.error(`ERR invalid expire time in '${cmd}' command`);
    return -1;
  }
  if (seconds) ms *= 1000n;
  if (relative) ms += BigInt(c.server.cmdTime);
  if (ms > INT64_MAX) {
    c.error(`ERR invalid expire time in '${cmd}' command`);
    return -1;
  }
  return Number(ms);
}

/** Reply styles of setGeneric: SET's +OK / null, SETNX's :1 / :0. */
const REPLY_OK_NULL = 0;
const REPLY_ONE_ZERO = 1;

/** Redis's setGenericCommand, shared by SET, SETNX, SETEX and PSETEX. */
function setGeneric(
  c: Client,
  argv: string[],
  flags: number,
  key: string,
  val: string | Buffer,
  expireArg: string | undefined,
  cmd: string,
  replies: number,
): void {
  let when = 0;
  if (expireArg !== undefined) {
    when = expireMsOrReply(c, expireArg, flags, cmd);
    if (when < 0) return;
  }
  if ((flags & OBJ_SET_GET) !== 0 && !getGeneric(c, key)) return;
  const db = c.db;
  const old = db.lookupWrite(key);
  const found = old !== undefined;
  if (((flags & OBJ_SET_NX) !== 0 && found) || ((flags & OBJ_SET_XX) !== 0 && !found)) {
    if ((flags & OBJ_SET_GET) === 0) {
      if (replies === REPLY_ONE_ZERO) c.out.integer(0);
      else c.out.nullBulk();
    }
    return;
  }
  storeString(db, key, old, val, (flags & OBJ_KEEPTTL) !== 0 || expireArg !== undefined);
  c.server.keyModified(db, key, NOTIFY_STRING, 'set');
  if (expireArg !== undefined) {
    db.setExpire(key, when);
    // Relative TTLs must replay deterministically: always propagate as an absolute PXAT.
    c.server.propagate(db.id, ['SET', key, propagatedValue(val), 'PXAT', msToString(when)]);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'expire', key, db.id);
  }
  if ((flags & OBJ_SET_GET) === 0) {
    if (replies === REPLY_ONE_ZERO) c.out.integer(1);
    else c.out.ok();
  } else if (expireArg === undefined) {
    // Replicas get the SET without its GET option(s).
    const rewritten: string[] = [];
    for (let j = 0; j < argv.length; j++)
      if (j === 2) rewritten.push(propagatedValue(val));
      else if (j < 3 || !kw(argv[j], 'get')) rewritten.push(argv[j]);
    c.server.propagate(db.id, rewritten);
  }
}

function setCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    // Hot path: plain SET key value.
    const db = c.db;
    const key = argv[1];
    db.setString(key, c.bigArgs === null ? argv[2] : valueArg(c, argv, 2), false);
    c.server.keyModified(db, key, NOTIFY_STRING, 'set');
    c.out.ok();
    return;
  }
  const flags = parseExtendedStringArgs(c, argv, COMMAND_SET);
  if (flags < 0) return;
  const exp = parsedExpireArg === -1 ? undefined : argv[parsedExpireArg];
  setGeneric(c, argv, flags, argv[1], valueArg(c, argv, 2), exp, 'set', REPLY_OK_NULL);
}

function setnxCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, OBJ_SET_NX, argv[1], valueArg(c, argv, 2), undefined, 'setnx', REPLY_ONE_ZERO);
}

function setexCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, OBJ_EX, argv[1], valueArg(c, argv, 3), argv[2], 'setex', REPLY_OK_NULL);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, OBJ_PX, argv[1], valueArg(c, argv, 3), argv[2], 'psetex', REPLY_OK_NULL);
}

// ---- GET family -----------------------------------------------------------------------------

function getCommand(c: Client, argv: string[]): void {
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) {
    c.out.nullBulk();
  } else if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
  } else {
    const s = c.db.strings;
    const start = s.bufferStart(v);
    c.out.bulkBytes(s.bufferOf(v), start, start + s.length(v));
  }
}

function getexCommand(c: Client, argv: string[]): void {
  const flags = parseExtendedStringArgs(c, argv, COMMAND_GET);
  if (flags < 0) return;
  const expireArg = parsedExpireArg;
  const key = argv[1];
  const v = lookupReadCounted(c, key);
  if (v === undefined) {
    c.out.nullBulk();
    return;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return;
  }
  // The expire value is checked only once the key is known to exist, as in Redis.
  let when = 0;
  if (expireArg !== -1) {
    when = expireMsOrReply(c, argv[expireArg], flags, 'getex');
    if (when < 0) return;
  }
  replyValue(c, v);
  const db = c.db;
  const server = c.server;
  if ((flags & (OBJ_EXAT | OBJ_PXAT)) !== 0 && when <= server.cmdTime) {
    // An absolute time already in the past deletes the key.
    db.delete(key);
    server.propagate(db.id, [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    server.keyModified(db, key, NOTIFY_GENERIC, 'del');
  } else if (expireArg !== -1) {
    db.setExpire(key, when);
    server.propagate(db.id, ['PEXPIREAT', key, msToString(when)]);
    server.keyModified(db, key, NOTIFY_GENERIC, 'expire');
  } else if ((flags & OBJ_PERSIST) !== 0 && db.removeExpire(key)) {
    server.propagate(db.id, ['PERSIST', key]);
    server.keyModified(db, key, NOTIFY_GENERIC, 'persist');
  }
}

function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  if (db.delete(key)) {
    c.server.propagate(db.id, ['DEL', key]);
    c.server.keyModified(db, key, NOTIFY_GENERIC, 'del');
  }
}

function getsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  const db = c.db;
  const val = valueArg(c, argv, 2);
  db.setString(key, val, false);
  c.server.keyModified(db, key, NOTIFY_STRING, 'set');
  c.server.propagate(db.id, ['SET', key, propagatedValue(val)]);
}

// ---- multi-key ------------------------------------------------------------------------------

function mgetCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  c.out.array(argc - 1);
  for (let j = 1; j < argc; j++) {
    const v = lookupReadCounted(c, argv[j]);
    // Keys of other types read as nil, not WRONGTYPE.
    if (typeof v === 'number') replyValue(c, v);
    else c.out.nullBulk();
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  const argc = argv.length;
  if (argc % 2 === 0) {
    c.error(`ERR wrong number of arguments for '${nx ? 'msetnx' : 'mset'}' command`);
    return;
  }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argc; j += 2) {
      if (db.lookupWrite(argv[j]) !== undefined) {
        c.out.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < argc; j += 2) {
    const key = argv[j];
    db.setString(key, argv[j + 1], false);
    c.server.keyModified(db, key, NOTIFY_STRING, 'set');
  }
  if (nx) c.out.integer(1);
  else c.out.ok();
}

function msetCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, false);
}

function msetnxCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, true);
}

// ---- in-place mutation ----------------------------------------------------------------------

function appendCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const add = argv[2];
  const o = db.lookupWrite(key);
  let total: number;
  if (o === undefined) {
    db.add(key, db.strings.create(add));
    total = add.length;
  } else {
    if (typeof o !== 'number') {
      c.error(ERR_WRONGTYPE);
      return;
    }
    const s = db.strings;
    const olen = s.length(o);
    total = olen + add.length;
    if (total > c.server.protoMaxBulkLen) {
      c.error(ERR_STRING_TOO_LONG);
      return;
    }
    // resize() grows geometrically and marks the value raw, as Redis's unshare + sdscatlen.
    const r = s.resize(o, total);
    if (add.length !== 0) r.buf.latin1Write(add, r.start + olen);
  }
  c.server.keyModified(db, key, NOTIFY_STRING, 'append');
  c.out.integer(total);
}

function setrangeCommand(c: Client, argv: string[]): void {
  const offset = parseInt64(argv[2]);
  if (offset === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    c.error(ERR_OFFSET_RANGE);
    return;
  }
  const db = c.db;
  const key = argv[1];
  const value = argv[3];
  const vlen = value.length;
  const s = db.strings;
  let h = db.lookupWrite(key);
  if (h === undefined) {
    // Setting nothing on a missing key creates nothing.
    if (vlen === 0) {
      c.out.integer(0);
      return;
    }
    if (typeof offset === 'bigint' || offset + vlen > c.server.protoMaxBulkLen) {
      c.error(ERR_STRING_TOO_LONG);
      return;
    }
    h = s.create('', ENC_RAW);
    db.add(key, h);
  } else {
    if (typeof h !== 'number') {
      c.error(ERR_WRONGTYPE);
      return;
    }
    const olen = s.length(h);
    if (vlen === 0) {
      c.out.integer(olen);
      return;
    }
    if (typeof offset === 'bigint' || offset + vlen > c.server.protoMaxBulkLen) {
      c.error(ERR_STRING_TOO_LONG);
      return;
    }
  }
  const olen = s.length(h);
  const newLen = offset + vlen > olen ? offset + vlen : olen;
  const r = s.resize(h, newLen); // zero-fills any gap, marks the value raw
  r.buf.latin1Write(value, r.start + offset);
  c.server.keyModified(db, key, NOTIFY_STRING, 'setrange');
  c.out.integer(newLen);
}

// ---- reads of parts -------------------------------------------------------------------------

function strlenCommand(c: Client, argv: string[]): void {
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) c.out.integer(0);
  else if (typeof v !== 'number') c.error(ERR_WRONGTYPE);
  else c.out.integer(c.db.strings.length(v));
}

function getrangeCommand(c: Client, argv: string[]): void {
  const start0 = parseInt64(argv[2]);
  if (start0 === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  const end0 = parseInt64(argv[3]);
  if (end0 === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  const v = lookupReadCounted(c, argv[1]);
  if (v === undefined) {
    c.out.bulk('');
    return;
  }
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return;
  }
  // Both from the end and inverted: empty (compared exactly, before any clamping).
  if (start0 < 0 && end0 < 0 && start0 > end0) {
    c.out.bulk('');
    return;
  }
  const s = c.db.strings;
  const len = s.length(v);
  // Beyond ±2^53 an index behaves like ±infinity against any string length.
  let start = typeof start0 === 'bigint' ? (start0 < 0n ? -Infinity : Infinity) : start0;
  let end = typeof end0 === 'bigint' ? (end0 < 0n ? -Infinity : Infinity) : end0;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    c.out.bulk('');
    return;
  }
  const bs = s.bufferStart(v);
  c.out.bulkBytes(s.bufferOf(v), bs + start, bs + end + 1);
}

// ---- counters -------------------------------------------------------------------------------

/** Redis's incrDecrCommand: exact int64 arithmetic with overflow errors; the result is `int`. */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const s = db.strings;
  const o = db.lookupWrite(key);
  let value: number | bigint = 0;
  if (o !== undefined) {
    if (typeof o !== 'number') {
      c.error(ERR_WRONGTYPE);
      return;
    }
    const bs = s.bufferStart(o);
    const parsed = parseInt64Bytes(s.bufferOf(o), bs, bs + s.length(o));
    if (parsed === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    value = parsed;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const r = BigInt(value) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) {
      c.error(ERR_OVERFLOW);
      return;
    }
    result = r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
  }
  const text = String(result);
  // The handle is rewritten in place, so the key keeps its TTL (Redis's dbReplaceValue).
  if (o !== undefined) s.overwrite(o, text, ENC_INT);
  else db.add(key, s.create(text, ENC_INT));
  c.server.keyModified(db, key, NOTIFY_STRING, 'incrby');
  c.out.integer(result);
}

function incrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[2]);
  if (incr === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  incrDecr(c, argv[1], incr);
}

function decrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[2]);
  if (incr === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  // -INT64_MIN does not exist.
  if (incr === INT64_MIN) {
    c.error(ERR_DECR_OVERFLOW);
    return;
  }
  incrDecr(c, argv[1], -incr);
}

const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

/**
 * INCRBYFLOAT in x87 long double precision, as Redis computes it; the result is stored as
 * its "%.17Lf"-trimmed text and replicated as SET key value KEEPTTL.
 */
function incrbyfloatCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const s = db.strings;
  const key = argv[1];
  const o = db.lookupWrite(key);
  let value: LongDouble | null = LD_ZERO;
  if (o !== undefined) {
    if (typeof o !== 'number') {
      c.error(ERR_WRONGTYPE);
      return;
    }
    value = s.length(o) >= MAX_LONG_DOUBLE_CHARS ? null : parseLongDouble(s.toString(o));
  }
  const incr = value === null ? null : parseLongDouble(argv[2]);
  if (value === null || incr === null) {
    c.error(ERR_NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null) {
    c.error(ERR_INCR_NAN);
    return;
  }
  const text = formatLongDoubleHuman(sum);
  const enc = text.length <= 44 ? ENC_EMBSTR : ENC_RAW;
  if (o !== undefined) s.overwrite(o, text, enc);
  else db.add(key, s.create(text, enc));
  c.server.keyModified(db, key, NOTIFY_STRING, 'incrbyfloat');
  c.out.bulk(text);
  c.server.propagate(db.id, ['SET', key, text, 'KEEPTTL']);
}

// ---- LCS ------------------------------------------------------------------------------------

/** The bytes of a string key for LCS (empty when missing), or null for another type. */
function lcsBytes(c: Client, key: string): Buffer | null {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return EMPTY;
  if (typeof v !== 'number') return null;
  const s = c.db.strings;
  const start = s.bufferStart(v);
  return s.bufferOf(v).subarray(start, start + s.length(v));
}

const EMPTY = Buffer.alloc(0);

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common
 * subsequence by the classic dynamic programming table, with Redis's walk back through the
 * table so IDX ranges come out in the same order (from the end of the strings).
 */
function lcsCommand(c: Client, argv: string[]): void {
  const a = lcsBytes(c, argv[1]);
  const b = lcsBytes(c, argv[2]);
  if (a === null || b === null) {
    c.error(ERR_LCS_TYPES);
    return;
  }
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  const argc = argv.length;
  for (let j = 3; j < argc; j++) {
    const opt = argv[j];
    if (kw(opt, 'idx')) getidx = true;
    else if (kw(opt, 'len')) getlen = true;
    else if (kw(opt, 'withmatchlen')) withmatchlen = true;
    else if (kw(opt, 'minmatchlen') && j < argc - 1) {
      const m = parseInt64(argv[j + 1]);
      if (m === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      minmatchlen = m < 0 ? 0 : Number(m);
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (getlen && getidx) {
    c.error(ERR_LCS_LEN_IDX);
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.protoMaxBulkLen) {
    c.error(ERR_LCS_MEMORY);
    return;
  }
  // table[i*(blen+1)+j] = LCS length of a[0..i) and b[0..j).
  const w = blen + 1;
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    // Like ztrymalloc failing in Redis (the limit above normally prevents it).
    c.error('ERR Insufficient memory, failed allocating transient memory for LCS');
    return;
  }
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) table[row + j] = table[prev + j - 1] + 1;
      else {
        const up = table[prev + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * w + blen];
  if (getlen) {
    c.out.integer(total);
    return;
  }
  const result = Buffer.allocUnsafe(total);
  let idx = total;
  let marker = 0;
  let ranges = 0;
  if (getidx) {
    c.out.map(2);
    c.out.bulk('matches');
    marker = c.out.deferLen();
  }
  // Walk back from the end, growing the current range while matches stay contiguous.
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j] > table[i * w + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
        c.out.array(withmatchlen ? 3 : 2);
        c.out.array(2);
        c.out.integer(aStart);
        c.out.integer(aEnd);
        c.out.array(2);
        c.out.integer(bStart);
        c.out.integer(bEnd);
        if (withmatchlen) c.out.integer(matchLen);
        ranges++;
      }
      aStart = alen;
    }
  }
  if (getidx) {
    c.out.setDeferredArray(marker, ranges);
    c.out.bulk('len');
    c.out.integer(total);
  } else {
    c.out.bulkBytes(result, 0, total);
  }
}

// ---- command table --------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  firstKey: number,
  lastKey: number,
  step: number,
  since: string,
  summary: string,
  handler: CommandSpec['handler'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey,
    lastKey,
    step,
    acl: ['string'],
    handler,
    since,
    group: 'string',
    summary,
  };
}

export const specs: CommandSpec[] = [
  spec('get', 2, ['readonly', 'fast'], 1, 1, 1, '1.0.0', 'Get the value of a key', getCommand),
  spec('set', -3, ['write', 'denyoom'], 1, 1, 1, '1.0.0', 'Set the string value of a key', setCommand),
  spec(
    'setnx',
    3,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Set the value of a key, only if the key does not exist',
    setnxCommand,
  ),
  spec(
    'setex',
    4,
    ['write', 'denyoom'],
    1,
    1,
    1,
    '2.0.0',
    'Set the value and expiration of a key',
    setexCommand,
  ),
  spec(
    'psetex',
    4,
    ['write', 'denyoom'],
    1,
    1,
    1,
    '2.6.0',
    'Set the value and expiration in milliseconds of a key',
    psetexCommand,
  ),
  spec(
    'getex',
    -2,
    ['write', 'fast'],
    1,
    1,
    1,
    '6.2.0',
    'Get the value of a key and optionally set its expiration',
    getexCommand,
  ),
  spec(
    'getdel',
    2,
    ['write', 'fast'],
    1,
    1,
    1,
    '6.2.0',
    'Get the value of a key and delete the key',
    getdelCommand,
  ),
  spec(
    'getset',
    3,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Set the string value of a key and return its old value',
    getsetCommand,
  ),
  spec(
    'mget',
    -2,
    ['readonly', 'fast'],
    1,
    -1,
    1,
    '1.0.0',
    'Get the values of all the given keys',
    mgetCommand,
  ),
  spec(
    'mset',
    -3,
    ['write', 'denyoom'],
    1,
    -1,
    2,
    '1.0.1',
    'Set multiple keys to multiple values',
    msetCommand,
  ),
  spec(
    'msetnx',
    -3,
    ['write', 'denyoom'],
    1,
    -1,
    2,
    '1.0.1',
    'Set multiple keys to multiple values, only if none of the keys exist',
    msetnxCommand,
  ),
  spec('append', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, '2.0.0', 'Append a value to a key', appendCommand),
  spec(
    'strlen',
    2,
    ['readonly', 'fast'],
    1,
    1,
    1,
    '2.2.0',
    'Get the length of the value stored in a key',
    strlenCommand,
  ),
  spec(
    'getrange',
    4,
    ['readonly'],
    1,
    1,
    1,
    '2.4.0',
    'Get a substring of the string stored at a key',
    getrangeCommand,
  ),
  spec(
    'substr',
    4,
    ['readonly'],
    1,
    1,
    1,
    '1.0.0',
    'Get a substring of the string stored at a key',
    getrangeCommand,
  ),
  spec(
    'setrange',
    4,
    ['write', 'denyoom'],
    1,
    1,
    1,
    '2.2.0',
    'Overwrite part of a string at key starting at the specified offset',
    setrangeCommand,
  ),
  spec(
    'incr',
    2,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Increment the integer value of a key by one',
    incrCommand,
  ),
  spec(
    'decr',
    2,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Decrement the integer value of a key by one',
    decrCommand,
  ),
  spec(
    'incrby',
    3,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Increment the integer value of a key by the given amount',
    incrbyCommand,
  ),
  spec(
    'decrby',
    3,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '1.0.0',
    'Decrement the integer value of a key by the given number',
    decrbyCommand,
  ),
  spec(
    'incrbyfloat',
    3,
    ['write', 'denyoom', 'fast'],
    1,
    1,
    1,
    '2.6.0',
    'Increment the float value of a key by the given amount',
    incrbyfloatCommand,
  ),
  spec('lcs', -3, ['readonly'], 1, 2, 1, '7.0.0', 'Find longest common substring', lcsCommand),
];

// The commands that store their value argument as given take a big one as bytes.
const VALUE_ARG: Record<string, number> = { set: 2, setnx: 2, getset: 2, setex: 3, psetex: 3 };
for (const s of specs) if (Object.hasOwn(VALUE_ARG, s.name)) s.bigValueArg = VALUE_ARG[s.name];
