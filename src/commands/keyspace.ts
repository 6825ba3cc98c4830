/**
 * Generic keyspace commands (Redis's db.c and expire.c): DEL, UNLINK, EXISTS, TYPE, RENAME,
 * RENAMENX, COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, the EXPIRE
 * family, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, TOUCH and OBJECT.
 *
 * Which lookup each command uses matters for INFO keyspace_hits/misses, `keymiss` events and
 * LRU/LFU updates; each handler mirrors the lookup flavour Redis 7.0 uses (noted inline).
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { CLIENT_NO_TOUCH } from '../server/client.js';
import type { Database, Value } from '../store/database.js';
import { lfuDecayedCounter, typeOf } from '../store/database.js';
import { ENC_EMBSTR, ENC_INT } from '../store/strings.js';
import { NOTIFY_GENERIC, NOTIFY_KEY_MISS } from '../server/notify.js';
import { ERR_DB_INDEX, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX } from './util.js';
import { parseInt64 } from '../util/numbers.js';
import { globMatch, matchesAll } from '../util/glob.js';

const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
const ERR_INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LLONG_MAX = 9223372036854775807n;
/** OBJ_SHARED_REFCOUNT: the refcount OBJECT REFCOUNT shows for Redis's shared integers. */
const SHARED_REFCOUNT = 2147483647;
/** Integers 0..9999 are shared objects in Redis (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;

/**
 * An option argument as C's strcasecmp sees it: lowercased, and cut at the first NUL byte
 * (Redis compares C strings, so `NX\0junk` is NX).
 */
function opt(arg: string): string {
  const z = arg.indexOf('\0');
  return (z === -1 ? arg : arg.slice(0, z)).toLowerCase();
}

/** An argument interpolated with `%s` into an error (printf stops at NUL). */
function cstr(arg: string): string {
  const z = arg.indexOf('\0');
  return z === -1 ? arg : arg.slice(0, z);
}

/**
 * Redis's lookupKeyReadWithFlags: expires the key if due, counts keyspace hits/misses,
 * emits `keymiss` unless told not to, and touches LRU/LFU unless NOTOUCH.
 */
function lookupKeyRead(c: Client, key: string, touch: boolean, notifyMiss = true): Value | undefined {
  const v = c.db.lookupRead(key, touch && (c.flags & CLIENT_NO_TOUCH) === 0);
  if (v === undefined) {
    c.server.stats.keyspaceMisses++;
    if (notifyMiss) c.server.notifyKeyspaceEvent(NOTIFY_KEY_MISS, 'keymiss', key, c.db.id);
  } else {
    c.server.stats.keyspaceHits++;
  }
  return v;
}

/** Redis's getIntFromObjectOrReply: int64 syntax, then the C int range. */
function intArg(c: Client, s: string, msg?: string): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(msg ?? ERR_NOT_INTEGER);
    return null;
  }
  if (typeof v === 'bigint' || v < INT_MIN || v > INT_MAX) {
    c.error(msg ?? ERR_INT_RANGE);
    return null;
  }
  return v;
}

// ---- DEL / UNLINK / EXISTS / TYPE / TOUCH ----------------------------------------------------

function delGeneric(c: Client, argv: string[]): void {
  const db = c.db;
  let deleted = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j];
    // An expired key is removed as expired (with its `expired` event), not counted.
    if (db.expires.size !== 0) db.expireIfNeeded(key);
    if (db.delete(key)) {
      c.server.keyModified(db, key, NOTIFY_GENERIC, 'del');
      deleted++;
    }
  }
  c.out.integer(deleted);
}

function existsCommand(c: Client, argv: string[]): void {
  let count = 0;
  for (let j = 1; j < argv.length; j++) if (lookupKeyRead(c, argv[j], false) !== undefined) count++;
  c.out.integer(count);
}

function typeCommand(c: Client, argv: string[]): void {
  const v = lookupKeyRead(c, argv[1], false);
  c.out.status(v === undefined ? 'none' : typeOf(v));
}

function touchCommand(c: Client, argv: string[]): void {
  let touched = 0;
  for (let j = 1; j < argv.length; j++) if (lookupKeyRead(c, argv[j], true) !== undefined) touched++;
  c.out.integer(touched);
}

// ---- RENAME / RENAMENX / COPY / MOVE / SWAPDB --------------------------------------------------

/** signalModifiedKey + notification without counting a write (commands count dirty once). */
function touchedKey(c: Client, db: Database, key: string, event: string): void {
  c.server.signalModifiedKey(db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, event, key, db.id);
}

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const v = db.lookupWrite(src);
  if (v === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (src === dst) {
    if (nx) c.out.integer(0);
    else c.out.ok();
    return;
  }
  const expire = db.getExpireExact(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.out.integer(0);
      return;
    }
    db.delete(dst);
  }
  // The value (and its off-heap bytes) moves as it is: no copy, no free.
  db.detach(src);
  db.attach(dst, v);
  if (expire !== -1) db.setExpire(dst, expire);
  touchedKey(c, db, src, 'rename_from');
  touchedKey(c, db, dst, 'rename_to');
  c.server.dirty++;
  if (nx) c.out.integer(1);
  else c.out.ok();
}

function renameCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, false);
}

function renamenxCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, true);
}

function copyCommand(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const o = opt(argv[j]);
    if (o === 'replace') {
      replace = true;
    } else if (o === 'db' && j + 1 < argv.length) {
      const id = intArg(c, argv[j + 1]);
      if (id === null) return;
      if (id < 0 || id >= c.server.dbs.length) {
        c.error(ERR_DB_INDEX);
        return;
      }
      dst = c.server.dbs[id];
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const v = lookupKeyRead(c, key, true);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  const expire = src.getExpireExact(key);
  if (dst.lookupWrite(newkey) !== undefined) {
    if (!replace) {
      c.out.integer(0);
      return;
    }
    dst.delete(newkey);
  }
  const copy = typeof v === 'number' ? src.strings.duplicate(v) : v.clone();
  dst.add(newkey, copy);
  if (expire !== -1) dst.setExpire(newkey, expire);
  touchedKey(c, dst, newkey, 'copy_to');
  c.server.dirty++;
  c.out.integer(1);
}

function moveCommand(c: Client, argv: string[]): void {
  const src = c.db;
  const id = intArg(c, argv[2]);
  if (id === null) return;
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  const dst = c.server.dbs[id];
  if (src === dst) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const key = argv[1];
  const v = src.lookupWrite(key);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  const expire = src.getExpireExact(key);
  if (dst.lookupWrite(key) !== undefined) {
    c.out.integer(0);
    return;
  }
  src.detach(key);
  dst.attach(key, v);
  if (expire !== -1) dst.setExpire(key, expire);
  c.server.signalModifiedKey(src, key);
  c.server.signalModifiedKey(dst, key);
  c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'move_from', key, src.id);
  c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'move_to', key, dst.id);
  c.server.dirty++;
  c.out.integer(1);
}

function swapdbCommand(c: Client, argv: string[]): void {
  const id1 = intArg(c, argv[1], 'ERR invalid first DB index');
  if (id1 === null) return;
  const id2 = intArg(c, argv[2], 'ERR invalid second DB index');
  if (id2 === null) return;
  const n = c.server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) {
    c.error(ERR_DB_INDEX);
    return;
  }
  if (id1 !== id2) {
    // Clients keep their Database object (their selected index): they see the other data.
    c.server.dbs[id1].swapWith(c.server.dbs[id2]);
    c.server.signalSwapDb(id1, id2);
  }
  c.server.dirty++;
  c.out.ok();
}

// ---- KEYS / SCAN / RANDOMKEY / DBSIZE ----------------------------------------------------------

function keysCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const pattern = argv[1];
  const all = matchesAll(pattern);
  const dict = db.dict;
  const volatile = db.expires.size !== 0;
  const mark = c.out.deferLen();
  let n = 0;
  for (let i = 0; i < dict.size; i++) {
    const key = dict.keyAt(i);
    if (!all && !globMatch(pattern, key)) continue;
    // KEYS hides logically expired keys but does not delete them (it must not mutate the
    // dict it walks).
    if (volatile && db.isExpired(key)) continue;
    c.out.bulk(key);
    n++;
  }
  c.out.setDeferredArray(mark, n);
}

/**
 * SCAN cursor as Redis parses it (strtoul, base 10): optional sign (a minus negates modulo
 * 2^64), digits only, no leading space, at most 2^64-1; the empty string is cursor 0.
 * Returns the value (approximate beyond 2^53: such cursors only ever restart a scan).
 */
function parseScanCursor(s: string): number | null {
  const n = s.length;
  if (n === 0) return 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let i = 0;
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === n) return null;
  for (let k = i; k < n; k++) {
    const d = s.charCodeAt(k);
    if (d < 48 || d > 57) return null;
  }
  if (n - i <= 15 && !neg) return Number(s.slice(i));
  let v = BigInt(s.slice(i));
  if (v > 0xffffffffffffffffn) return null;
  if (neg && v !== 0n) v = 0x10000000000000000n - v;
  return Number(v);
}

/** Keys collected by one SCAN step (module-level to avoid a closure per call). */
let scanBatch: string[] = [];
function collectScanKey(key: string): void {
  scanBatch.push(key);
}

function scanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return;
  }
  let count = 10;
  let pattern: string | null = null;
  let typeName: string | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const o = opt(argv[i]);
    const more = i + 1 < argv.length;
    if (o === 'count' && more) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      if (v < 1) {
        c.error(ERR_SYNTAX);
        return;
      }
      // A count beyond any Dict size means "everything" (2^63 fits no array anyway).
      count = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
    } else if (o === 'match' && more) {
      pattern = matchesAll(argv[i + 1]) ? null : argv[i + 1];
    } else if (o === 'type' && more) {
      typeName = opt(argv[i + 1]);
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const db = c.db;
  scanBatch = [];
  const next = db.dict.scan(cursor, count, collectScanKey);
  const batch = scanBatch;
  scanBatch = [];
  c.out.array(2);
  c.out.bulk(String(next));
  const mark = c.out.deferLen();
  let n = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch[i];
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (typeName !== null) {
      // Redis 7.0 looks the key up as a read here: hits/misses count, an expired key is
      // deleted and then reads as type "none" (so TYPE none returns it).
      const v = lookupKeyRead(c, key, false);
      if (typeName !== (v === undefined ? 'none' : typeOf(v))) continue;
    }
    if (db.expires.size !== 0 && db.expireIfNeeded(key)) continue;
    c.out.bulk(key);
    n++;
  }
  c.out.setDeferredArray(mark, n);
}

function randomkeyCommand(c: Client): void {
  const key = c.db.randomKey();
  if (key === null) c.out.nullBulk();
  else c.out.bulk(key);
}

function dbsizeCommand(c: Client): void {
  c.out.integer(c.db.size);
}

// ---- FLUSHDB / FLUSHALL -----------------------------------------------------------------------

/** FLUSHDB/FLUSHALL [ASYNC|SYNC]; returns false after replying a syntax error. */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  if (argv.length === 2) {
    const o = opt(argv[1]);
    if (o === 'sync' || o === 'async') return true;
  }
  c.error(ERR_SYNTAX);
  return false;
}

function flushdbCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  // WATCH sees the keys before they go. ASYNC frees synchronously: releasing handles is a
  // cheap loop over the values.
  c.server.signalFlushedDb(c.db.id);
  c.server.dirty += c.db.flush();
  // Propagated even when the database was already empty, as Redis does.
  c.server.forceCommandPropagation();
  c.out.ok();
}

function flushallCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  let removed = 0;
  // A BGSAVE in progress is dropped first (Redis kills its child), then saved again below.
  c.server.rdb.beforeFlushAll();
  c.server.signalFlushedDb(-1);
  // Every value goes: drop the whole StringStore instead of freeing handle by handle.
  for (const db of c.server.dbs) removed += db.flush(false);
  c.server.strings.clear();
  c.server.dirty += removed + 1;
  // With save points, FLUSHALL saves the empty dataset (resetting the dirty counter).
  c.server.rdb.afterFlushAll();
  // Propagated even when every database was already empty, as Redis does.
  c.server.forceCommandPropagation();
  c.out.ok();
}

// ---- EXPIRE family ----------------------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/**
 * EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT ...]. `basetime` is now (relative
 * forms) or 0 (absolute forms). Overflow checks follow Redis: seconds must fit LLONG/1000,
 * and when + basetime must not pass LLONG_MAX.
 */
function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean): void {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = opt(argv[j]);
    if (o === 'nx') flags |= EXPIRE_NX;
    else if (o === 'xx') flags |= EXPIRE_XX;
    else if (o === 'gt') flags |= EXPIRE_GT;
    else if (o === 'lt') flags |= EXPIRE_LT;
    else {
      c.error(`ERR Unsupported option ${cstr(argv[j])}`);
      return;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    c.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  const raw = parseInt64(argv[2]);
  if (raw === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  let when: number | bigint;
  if (typeof raw === 'number' && raw <= 9e12 && raw >= -9e12) {
    // Fast path: |raw * 1000 + now| stays below 2^53, no overflow possible.
    when = (seconds ? raw * 1000 : raw) + basetime;
  } else {
    let b = BigInt(raw);
    if (seconds) {
      if (b > LLONG_MAX / 1000n || b < -LLONG_MAX / 1000n) {
        c.error(`ERR invalid expire time in '${c.cmd!.fullName}' command`);
        return;
      }
      b *= 1000n;
    }
    if (b > LLONG_MAX - BigInt(basetime)) {
      c.error(`ERR invalid expire time in '${c.cmd!.fullName}' command`);
      return;
    }
    b += BigInt(basetime);
    when = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined) {
    c.out.integer(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpireExact(key);
    if (flags & EXPIRE_NX && current !== -1) return c.out.integer(0);
    if (flags & EXPIRE_XX && current === -1) return c.out.integer(0);
    // No TTL counts as infinite: GT never beats it, LT always does.
    if (flags & EXPIRE_GT && (current === -1 || when <= current)) return c.out.integer(0);
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return c.out.integer(0);
  }
  if (when <= c.server.cmdTime) {
    // A time in the past deletes the key, replicated as an explicit DEL (or UNLINK).
    db.delete(key);
    const lazy = c.server.config.bool('lazyfree-lazy-expire');
    c.server.propagate(db.id, [lazy ? 'UNLINK' : 'DEL', key]);
    c.server.keyModified(db, key, NOTIFY_GENERIC, 'del');
    c.out.integer(1);
    return;
  }
  db.setExpire(key, when);
  // Replicas and the AOF get the absolute time, with the same options.
  const prop = ['PEXPIREAT', key, String(when)];
  for (let j = 3; j < argv.length; j++) prop.push(argv[j]);
  c.server.propagate(db.id, prop);
  c.server.keyModified(db, key, NOTIFY_GENERIC, 'expire');
  c.out.integer(1);
}

function expireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.server.cmdTime, true);
}

function pexpireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.server.cmdTime, false);
}

function expireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, true);
}

function pexpireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, false);
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing, -1 no TTL; seconds are rounded. */
function ttlGeneric(c: Client, argv: string[], ms: boolean, absolute: boolean): void {
  const key = argv[1];
  if (lookupKeyRead(c, key, false) === undefined) {
    c.out.integer(-2);
    return;
  }
  const expire = c.db.getExpireExact(key);
  if (expire === -1) {
    c.out.integer(-1);
    return;
  }
  if (typeof expire === 'bigint') {
    let ttl = absolute ? expire : expire - BigInt(c.server.cmdTime);
    if (ttl < 0n) ttl = 0n;
    c.out.integer(ms ? ttl : (ttl + 500n) / 1000n);
    return;
  }
  let ttl = absolute ? expire : expire - c.server.cmdTime;
  if (ttl < 0) ttl = 0;
  c.out.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function ttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, false);
}

function pttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, false);
}

function expiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, true);
}

function pexpiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, true);
}

function persistCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) !== undefined && db.removeExpire(key)) {
    c.server.keyModified(db, key, NOTIFY_GENERIC, 'persist');
    c.out.integer(1);
  } else {
    c.out.integer(0);
  }
}

// ---- OBJECT -----------------------------------------------------------------------------------

const ERR_LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const ERR_LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** OBJECT's lookup: a counted read that neither touches the key nor emits `keymiss`. */
function objectLookup(c: Client, key: string): Value | undefined {
  const v = lookupKeyRead(c, key, false, false);
  if (v === undefined) c.out.nullBulk();
  return v;
}

function objectEncodingCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (typeof v !== 'number') {
    c.out.bulk(v.encoding());
    return;
  }
  const e = c.db.strings.encoding(v);
  c.out.bulk(e === ENC_INT ? 'int' : e === ENC_EMBSTR ? 'embstr' : 'raw');
}

function objectRefcountCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  c.out.integer(isSharedInteger(c, v) ? SHARED_REFCOUNT : 1);
}

/**
 * Whether Redis would hold this value as one of its shared integer objects (0..9999, unless
 * maxmemory is set with an LRU/LFU policy, which needs a per-object clock).
 */
function isSharedInteger(c: Client, v: Value): boolean {
  if (typeof v !== 'number' || c.db.strings.encoding(v) !== ENC_INT) return false;
  if (c.db.strings.length(v) > 4) return false;
  const policy = c.server.config.str('maxmemory-policy');
  if (c.server.config.num('maxmemory') !== 0 && (policy.endsWith('-lru') || policy.endsWith('-lfu')))
    return false;
  const n = Number(c.db.strings.toString(v));
  return n >= 0 && n < SHARED_INTEGERS;
}

function objectIdletimeCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (c.server.lfu) {
    c.error(ERR_LFU_SELECTED);
    return;
  }
  const clock = c.server.lruClock();
  const word = c.db.lruWord(v);
  c.out.integer(clock >= word ? clock - word : clock + (0xffffffff - word));
}

function objectFreqCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  const lfu = c.server.lfu;
  if (!lfu) {
    c.error(ERR_LFU_NOT_SELECTED);
    return;
  }
  c.out.integer(lfuDecayedCounter(c.db.lruWord(v), c.server.cmdTime, lfu));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

function objectHelpCommand(c: Client): void {
  c.out.array(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) c.out.status(line);
}

// ---- Command table ----------------------------------------------------------------------------

/** Declares a command; `doc` is [since, summary] as COMMAND DOCS reports them. */
function keyCmd(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: [number, number, number],
  handler: CommandSpec['handler'],
  doc: [string, string],
  extraAcl: string[] = [],
  group = 'generic',
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    acl: ['keyspace', ...extraAcl],
    handler,
    since: doc[0],
    summary: doc[1],
    group,
  };
}

const W = 'write';
const R = 'readonly';
const F = 'fast';
const DANGEROUS = ['dangerous'];

export const specs: CommandSpec[] = [
  keyCmd('del', -2, [W], [1, -1, 1], delGeneric, ['1.0.0', 'Delete a key']),
  keyCmd('unlink', -2, [W, F], [1, -1, 1], delGeneric, [
    '4.0.0',
    'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.',
  ]),
  keyCmd('exists', -2, [R, F], [1, -1, 1], existsCommand, ['1.0.0', 'Determine if a key exists']),
  keyCmd('type', 2, [R, F], [1, 1, 1], typeCommand, ['1.0.0', 'Determine the type stored at key']),
  keyCmd('touch', -2, [R, F], [1, -1, 1], touchCommand, [
    '3.2.1',
    'Alters the last access time of a key(s). Returns the number of existing keys specified.',
  ]),
  keyCmd('rename', 3, [W], [1, 2, 1], renameCommand, ['1.0.0', 'Rename a key']),
  keyCmd('renamenx', 3, [W, F], [1, 2, 1], renamenxCommand, [
    '1.0.0',
    'Rename a key, only if the new key does not exist',
  ]),
  keyCmd('copy', -3, [W, 'denyoom'], [1, 2, 1], copyCommand, ['6.2.0', 'Copy a key']),
  keyCmd('move', 3, [W, F], [1, 1, 1], moveCommand, ['1.0.0', 'Move a key to another database']),
  keyCmd(
    'swapdb',
    3,
    [W, F],
    [0, 0, 0],
    swapdbCommand,
    ['4.0.0', 'Swaps two Redis databases'],
    DANGEROUS,
    'server',
  ),
  keyCmd(
    'keys',
    2,
    [R],
    [0, 0, 0],
    keysCommand,
    ['1.0.0', 'Find all keys matching the given pattern'],
    DANGEROUS,
  ),
  keyCmd('scan', -2, [R], [0, 0, 0], scanCommand, ['2.8.0', 'Incrementally iterate the keys space']),
  keyCmd('randomkey', 1, [R], [0, 0, 0], randomkeyCommand, [
    '1.0.0',
    'Return a random key from the keyspace',
  ]),
  keyCmd(
    'dbsize',
    1,
    [R, F],
    [0, 0, 0],
    dbsizeCommand,
    ['1.0.0', 'Return the number of keys in the selected database'],
    [],
    'server',
  ),
  keyCmd(
    'flushdb',
    -1,
    [W],
    [0, 0, 0],
    flushdbCommand,
    ['1.0.0', 'Remove all keys from the current database'],
    DANGEROUS,
    'server',
  ),
  keyCmd(
    'flushall',
    -1,
    [W],
    [0, 0, 0],
    flushallCommand,
    ['1.0.0', 'Remove all keys from all databases'],
    DANGEROUS,
    'server',
  ),
  keyCmd('expire', -3, [W, F], [1, 1, 1], expireCommand, ['1.0.0', "Set a key's time to live in seconds"]),
  keyCmd('pexpire', -3, [W, F], [1, 1, 1], pexpireCommand, [
    '2.6.0',
    "Set a key's time to live in milliseconds",
  ]),
  keyCmd('expireat', -3, [W, F], [1, 1, 1], expireatCommand, [
    '1.2.0',
    'Set the expiration for a key as a UNIX timestamp',
  ]),
  keyCmd('pexpireat', -3, [W, F], [1, 1, 1], pexpireatCommand, [
    '2.6.0',
    'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
  ]),
  keyCmd('ttl', 2, [R, F], [1, 1, 1], ttlCommand, ['1.0.0', 'Get the time to live for a key in seconds']),
  keyCmd('pttl', 2, [R, F], [1, 1, 1], pttlCommand, [
    '2.6.0',
    'Get the time to live for a key in milliseconds',
  ]),
  keyCmd('expiretime', 2, [R, F], [1, 1, 1], expiretimeCommand, [
    '7.0.0',
    'Get the expiration Unix timestamp for a key',
  ]),
  keyCmd('pexpiretime', 2, [R, F], [1, 1, 1], pexpiretimeCommand, [
    '7.0.0',
    'Get the expiration Unix timestamp for a key in milliseconds',
  ]),
  keyCmd('persist', 2, [W, F], [1, 1, 1], persistCommand, ['2.2.0', 'Remove the expiration from a key']),
  {
    name: 'object',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    since: '2.2.3',
    summary: 'A container for object introspection commands',
    group: 'generic',
    subcommands: [
      keyCmd('encoding', 3, [R], [2, 2, 1], objectEncodingCommand, [
        '2.2.3',
        'Inspect the internal encoding of a Redis object',
      ]),
      keyCmd('freq', 3, [R], [2, 2, 1], objectFreqCommand, [
        '4.0.0',
        'Get the logarithmic access frequency counter of a Redis object',
      ]),
      keyCmd('idletime', 3, [R], [2, 2, 1], objectIdletimeCommand, [
        '2.2.3',
        'Get the time since a Redis object was last accessed',
      ]),
      keyCmd('refcount', 3, [R], [2, 2, 1], objectRefcountCommand, [
        '2.2.3',
        'Get the number of references to the value of the key',
      ]),
      keyCmd('help', 2, ['loading', 'stale'], [0, 0, 0], objectHelpCommand, [
        '6.2.0',
        'Show helpful text about the different subcommands',
      ]),
    ],
  },
];
