/**
 * Hash commands (t_hash.c): Redis 7.0's commands, plus hash-field expiration from Redis 7.4
 * (HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME,
 * HPERSIST). The data type and its encodings live in store/types/hash.ts.
 *
 * Field expiry follows Redis 7.4: a field is logically gone once its expire time is before
 * the command's time. Commands that read one field (HGET, HMGET, HEXISTS, HSTRLEN, HINCRBY*,
 * HSETNX) reclaim it on the spot (propagating an HDEL, notifying `hexpired`, and `del` when
 * the hash empties); HGETALL/HKEYS/HVALS/HSCAN skip expired fields; HRANDFIELD reclaims all
 * of them first; HLEN counts fields not reclaimed yet. The active cycle
 * (activeExpireHashFields, called from server/expire.ts) reclaims the rest.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Database } from '../store/database.js';
import { HashObject } from '../store/types/hash.js';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  eq,
  lookupReadCounted,
  parseScanCursor,
  parseScanOptions,
  replyEmptyScan,
  replyOverflowed,
} from './util.js';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../server/notify.js';
import {
  INT64_MAX,
  INT64_MIN,
  addLongDouble,
  formatLongDoubleHuman,
  isLongDoubleInf,
  parseInt64,
  parseLongDouble,
} from '../util/numbers.js';
import { globMatch } from '../util/glob.js';

const LONG_MAX = 9223372036854775807n;

// ---- lookups --------------------------------------------------------------------------------

/** The hash at key for reading (counts hits/misses): null when missing, undefined after WRONGTYPE. */
function readHash(c: Client, key: string): HashObject | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (!(v instanceof HashObject)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  if (v.hasTtls) trackVolatileHash(c.server, c.db, key, v);
  return v;
}

/** The hash at key for writing: null when missing, undefined after WRONGTYPE. */
function writeHash(c: Client, key: string): HashObject | null | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return null;
  if (!(v instanceof HashObject)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  if (v.hasTtls) trackVolatileHash(c.server, c.db, key, v);
  return v;
}

/** Adds an empty hash at key (Redis creates it before it sets the first field). */
function createHash(c: Client, key: string): HashObject {
  const h = new HashObject();
  c.db.add(key, h);
  return h;
}

function maxEntries(c: Client): number {
  return c.server.config.num('hash-max-listpack-entries');
}

function maxValue(c: Client): number {
  return c.server.config.num('hash-max-listpack-value');
}

/** hashTypeTryConversion: a listpack with an argument longer than hash-max-listpack-value becomes a hashtable. */
function tryConversion(c: Client, h: HashObject, argv: string[], start: number, end: number): void {
  if (h.lp === null) return;
  const max = maxValue(c);
  for (let i = start; i <= end; i++) {
    if (argv[i].length > max) {
      h.toHashtable();
      return;
    }
  }
}

// ---- lazy field expiry ----------------------------------------------------------------------

/** getField results besides an index >= 0. */
const NOT_FOUND = -1;
/** The field had expired (and was reclaimed unless expiry is paused). */
const EXPIRED = -2;
/** The field had expired and was the last one: the hash is gone. */
const EXPIRED_HASH = -3;

/**
 * Looks a field up, reclaiming it when it has expired (Redis 7.4's hashTypeGetValue with
 * HFE_LAZY_EXPIRE): returns its index, or NOT_FOUND / EXPIRED / EXPIRED_HASH. `notify`
 * false leaves the `hexpired`/`del` events to the caller (HMGET sends them once).
 */
function getField(c: Client, key: string, h: HashObject, field: string, notify: boolean): number {
  const i = h.indexOf(field);
  if (i === -1) return NOT_FOUND;
  const t = h.ttlAt(i);
  const server = c.server;
  if (t === 0 || t >= server.cmdTime) return i;
  if (!server.mayExpire()) return EXPIRED;
  const db = c.db;
  h.deleteAt(i);
  server.propagate(db.id, ['HDEL', key, field]);
  let res = EXPIRED;
  if (notify) server.notifyKeyspaceEvent(NOTIFY_HASH, 'hexpired', key, db.id);
  if (h.length === 0) {
    if (notify) server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    db.delete(key);
    res = EXPIRED_HASH;
  }
  server.signalModifiedKey(db, key);
  return res;
}

/**
 * Reclaims every expired field of h (hashTypeExpireIfNeeded, before HRANDFIELD picks).
 * Returns true when that emptied and deleted the hash.
 */
function expireAllDue(c: Client, key: string, h: HashObject): boolean {
  const server = c.server;
  const min = h.minExpire();
  if (min === 0 || min >= server.cmdTime || !server.mayExpire()) return false;
  return reclaimExpired(server, c.db, key, h, Infinity) === 0;
}

/**
 * Removes up to `max` fields of the hash at db/key whose time is <= now, with Redis's side
 * effects: an HDEL propagated per field, one `hexpired` event, and `del` when the hash is
 * left empty (then deleted). Returns the fields left.
 */
function reclaimExpired(server: Server, db: Database, key: string, h: HashObject, max: number): number {
  const gone = h.popExpired(server.cmdTime, max);
  if (gone.length > 0) {
    for (const f of gone) server.propagate(db.id, ['HDEL', key, f]);
    server.notifyKeyspaceEvent(NOTIFY_HASH, 'hexpired', key, db.id);
    if (h.length === 0) {
      db.delete(key);
      server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    }
    server.signalModifiedKey(db, key);
  }
  return h.length;
}

// ---- active expiry of fields ----------------------------------------------------------------

/**
 * Hashes with field TTLs, by their earliest expire time: a min-heap of (time, db, key)
 * entries, like Redis's db->hexpires. An entry is live while the hash at db/key records the
 * same registration (its `ex.regDb/regKey/regTime`); others (the hash was deleted,
 * renamed or re-registered earlier) are dropped when they come up. Holding names rather
 * than objects lets deleted hashes be collected. A bounded walk over the keyspace finds
 * hashes with TTLs that no entry points at (after RENAME, MOVE or COPY).
 */
class FieldExpiryRegistry {
  times: number[] = [];
  dbs: number[] = [];
  keys: string[] = [];
  walkDb = 0;
  walkIndex = 0;
  /** Size at which stale entries are dropped next (see compact). */
  compactAt = 4096;

  /**
   * Drops the entries that no longer point at their hash's registration. Entries go stale
   * when a hash is deleted, moved or registered earlier; compacting when the heap doubled
   * keeps it proportional to the live hashes at O(1) amortized per push.
   */
  compact(server: Server): void {
    const live: [number, number, string][] = [];
    for (let i = 0; i < this.times.length; i++) {
      const h = server.dbs[this.dbs[i]]?.dict.get(this.keys[i]);
      const ex = h instanceof HashObject ? h.ex : null;
      if (
        ex !== null &&
        ex.regTime === this.times[i] &&
        ex.regDb === this.dbs[i] &&
        ex.regKey === this.keys[i]
      ) {
        live.push([this.times[i], this.dbs[i], this.keys[i]]);
      }
    }
    live.sort((a, b) => a[0] - b[0]); // a sorted array is a valid min-heap
    this.times = live.map((e) => e[0]);
    this.dbs = live.map((e) => e[1]);
    this.keys = live.map((e) => e[2]);
    this.compactAt = Math.max(4096, 2 * live.length);
  }

  push(t: number, db: number, key: string): void {
    const { times, dbs, keys } = this;
    let i = times.length;
    times.push(t);
    dbs.push(db);
    keys.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p] <= t) break;
      times[i] = times[p];
      dbs[i] = dbs[p];
      keys[i] = keys[p];
      i = p;
    }
    times[i] = t;
    dbs[i] = db;
    keys[i] = key;
  }

  pop(): void {
    const { times, dbs, keys } = this;
    const t = times.pop()!;
    const d = dbs.pop()!;
    const k = keys.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let ch = 2 * i + 1;
      if (ch >= n) break;
      if (ch + 1 < n && times[ch + 1] < times[ch]) ch++;
      if (times[ch] >= t) break;
      times[i] = times[ch];
      dbs[i] = dbs[ch];
      keys[i] = keys[ch];
      i = ch;
    }
    times[i] = t;
    dbs[i] = d;
    keys[i] = k;
  }
}

const registries = new WeakMap<Server, FieldExpiryRegistry>();

/** Entries in the server's field-expiry registry (live and stale), for tests and INFO-like checks. */
export function fieldExpiryRegistrySize(server: Server): number {
  return registries.get(server)?.times.length ?? 0;
}

/** Fields reclaimed per cron tick at most, and keys looked at by the discovery walk. */
const FIELDS_PER_CYCLE = 1000;
const NEW_EXPIRE_DIFF_THRESHOLD = 4000;
const WALK_PER_CYCLE = 64;

/** Makes sure the active cycle will look at the hash at db/key by its earliest field TTL. */
function trackVolatileHash(server: Server, db: Database, key: string, h: HashObject): void {
  const t = h.minExpire();
  const ex = h.ex;
  if (t === 0 || ex === null) return;
  // Registered already, and not much later than needed: like Redis, a hash is not moved in
  // the expiry order for less than HASH_NEW_EXPIRE_DIFF_THRESHOLD (its fields may then be
  // reclaimed actively a few seconds late; lazily they are always on time).
  if (
    ex.regTime !== -1 &&
    ex.regTime <= t + NEW_EXPIRE_DIFF_THRESHOLD &&
    ex.regDb === db.id &&
    ex.regKey === key
  ) {
    return;
  }
  let reg = registries.get(server);
  if (reg === undefined) {
    reg = new FieldExpiryRegistry();
    registries.set(server, reg);
  }
  if (reg.times.length >= reg.compactAt) reg.compact(server);
  reg.push(t, db.id, key);
  ex.regDb = db.id;
  ex.regKey = key;
  ex.regTime = t;
}

/**
 * The active part of hash-field expiry, run from the cron's active expire cycle: reclaims
 * due fields of the hashes whose earliest TTL has passed (at most FIELDS_PER_CYCLE per call),
 * deleting hashes left empty, and walks a few keys looking for untracked hashes with TTLs.
 * Costs nothing until some hash got a field TTL.
 */
export function activeExpireHashFields(server: Server): void {
  const reg = registries.get(server);
  if (reg === undefined) return;
  const now = server.cmdTime;
  let quota = FIELDS_PER_CYCLE;
  while (reg.times.length > 0 && reg.times[0] <= now && quota > 0) {
    const t = reg.times[0];
    const dbi = reg.dbs[0];
    const key = reg.keys[0];
    reg.pop();
    const db = server.dbs[dbi];
    const h = db?.dict.get(key);
    if (!(h instanceof HashObject)) continue;
    const ex = h.ex;
    if (ex === null || ex.regTime !== t || ex.regDb !== dbi || ex.regKey !== key) continue;
    ex.regTime = -1;
    if (db.snapshot !== null) db.snapshot.beforeWrite(db, key);
    const before = h.length;
    const left = reclaimExpired(server, db, key, h, quota);
    quota -= before - left;
    if (left > 0) trackVolatileHash(server, db, key, h);
  }
  // Discovery walk: hashes with TTLs that moved to another key or database, or were copied.
  let budget = WALK_PER_CYCLE;
  for (let visited = 0; budget > 0 && visited <= server.dbs.length;) {
    const db = server.dbs[reg.walkDb];
    const dict = db.dict;
    while (budget > 0 && reg.walkIndex < dict.size) {
      const i = reg.walkIndex++;
      budget--;
      const v = dict.valAt(i);
      if (!(v instanceof HashObject) || !v.hasTtls) continue;
      const key = dict.keyAt(i);
      const ex = v.ex!;
      if (ex.regTime === -1 || ex.regDb !== db.id || ex.regKey !== key) trackVolatileHash(server, db, key, v);
    }
    if (reg.walkIndex >= dict.size) {
      reg.walkDb = (reg.walkDb + 1) % server.dbs.length;
      reg.walkIndex = 0;
      visited++;
    }
  }
}

// ---- Redis 7.0 commands ---------------------------------------------------------------------

function hsetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) {
    c.error(`ERR wrong number of arguments for '${c.cmd?.fullName ?? 'hset'}' command`);
    return;
  }
  const key = argv[1];
  let h = writeHash(c, key);
  if (h === undefined) return;
  if (h === null) h = createHash(c, key);
  tryConversion(c, h, argv, 2, argv.length - 1);
  // The limits only matter to a listpack (reading them costs two config lookups each).
  const small = h.lp !== null;
  const me = small ? maxEntries(c) : 0;
  const mv = small ? maxValue(c) : 0;
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], false, me, mv)) created++;
  // HSET replies with the number of new fields, HMSET (deprecated) with OK.
  const name = argv[0];
  if (name.charCodeAt(1) === 115 || name.charCodeAt(1) === 83) c.out.integer(created);
  else c.out.ok();
  c.server.keyModified(c.db, key, NOTIFY_HASH, 'hset');
  c.server.dirty += (argv.length - 2) / 2 - 1;
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  let h = writeHash(c, key);
  if (h === undefined) return;
  if (h !== null) {
    const i = getField(c, key, h, argv[2], true);
    if (i >= 0) {
      c.out.integer(0);
      return;
    }
    if (i === EXPIRED_HASH) h = null;
  }
  if (h === null) h = createHash(c, key);
  tryConversion(c, h, argv, 2, 3);
  h.set(argv[2], argv[3], false, maxEntries(c), maxValue(c));
  c.out.integer(1);
  c.server.keyModified(c.db, key, NOTIFY_HASH, 'hset');
}

function hgetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  if (h === null) {
    c.out.nullBulk();
    return;
  }
  const i = getField(c, key, h, argv[2], true);
  if (i >= 0) c.out.bulk(h.valueAt(i));
  else c.out.nullBulk();
}

function hmgetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  const out = c.out;
  out.array(argv.length - 2);
  let expired = false;
  let deleted = false;
  for (let j = 2; j < argv.length; j++) {
    if (h === null || deleted) {
      out.nullBulk();
      continue;
    }
    const i = getField(c, key, h, argv[j], false);
    if (i >= 0) {
      out.bulk(h.valueAt(i));
      continue;
    }
    out.nullBulk();
    if (i === EXPIRED) expired = true;
    else if (i === EXPIRED_HASH) expired = deleted = true;
  }
  if (expired) {
    c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hexpired', key, c.db.id);
    if (deleted) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, c.db.id);
  }
}

function hdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const h = writeHash(c, key);
  if (h === undefined) return;
  if (h === null) {
    c.out.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (h.delete(argv[j])) {
      deleted++;
      if (h.length === 0) {
        db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.server.keyModified(db, key, NOTIFY_HASH, 'hdel');
    if (removed) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.server.dirty += deleted - 1;
  }
  c.out.integer(deleted);
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return;
  c.out.integer(h === null ? 0 : h.length);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  if (h === null) {
    c.out.integer(0);
    return;
  }
  const i = getField(c, key, h, argv[2], true);
  c.out.integer(i >= 0 ? h.valueAt(i).length : 0);
}

function hexistsCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  c.out.integer(h !== null && getField(c, key, h, argv[2], true) >= 0 ? 1 : 0);
}

function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[3]);
  if (incr === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  const key = argv[1];
  let h = writeHash(c, key);
  if (h === undefined) return;
  let cur: number | bigint = 0;
  if (h !== null) {
    const i = getField(c, key, h, argv[2], true);
    if (i >= 0) {
      const v = parseInt64(h.valueAt(i));
      if (v === null) {
        c.error('ERR hash value is not an integer');
        return;
      }
      cur = v;
    } else if (i === EXPIRED_HASH) h = null;
  }
  let result: number | bigint;
  const sum = typeof cur === 'number' && typeof incr === 'number' ? cur + incr : NaN;
  if (Number.isSafeInteger(sum)) result = sum;
  else {
    const big = BigInt(cur) + BigInt(incr);
    if (big > INT64_MAX || big < INT64_MIN) {
      c.error(ERR_OVERFLOW);
      return;
    }
    result = big;
  }
  if (h === null) h = createHash(c, key);
  h.set(argv[2], String(result), true, maxEntries(c), maxValue(c));
  c.out.integer(result);
  c.server.keyModified(c.db, key, NOTIFY_HASH, 'hincrby');
}

function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) {
    c.error(ERR_NOT_FLOAT);
    return;
  }
  if (isLongDoubleInf(incr)) {
    c.error('ERR value is NaN or Infinity');
    return;
  }
  const key = argv[1];
  let h = writeHash(c, key);
  if (h === undefined) return;
  let cur = parseLongDouble('0')!;
  if (h !== null) {
    const i = getField(c, key, h, argv[2], true);
    if (i >= 0) {
      const v = parseLongDouble(h.valueAt(i));
      if (v === null) {
        c.error('ERR hash value is not a float');
        return;
      }
      cur = v;
    } else if (i === EXPIRED_HASH) h = null;
  }
  const sum = addLongDouble(cur, incr);
  if (sum === null) {
    c.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDoubleHuman(sum);
  if (h === null) h = createHash(c, key);
  h.set(argv[2], text, true, maxEntries(c), maxValue(c));
  c.out.bulk(text);
  c.server.keyModified(c.db, key, NOTIFY_HASH, 'hincrbyfloat');
  // Float formatting must not differ on replay: propagated as an HSET of the result.
  c.server.propagate(c.db.id, ['HSET', key, argv[2], text]);
}

const WHAT_KEYS = 1;
const WHAT_VALUES = 2;

/** HGETALL / HKEYS / HVALS: every live field in the hash's order, skipping expired ones. */
function getallGeneric(c: Client, argv: string[], what: number): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return;
  const out = c.out;
  const both = what === (WHAT_KEYS | WHAT_VALUES);
  if (h === null) {
    if (both) out.map(0);
    else out.array(0);
    return;
  }
  const now = c.server.cmdTime;
  const volatile = h.hasTtls;
  const n = h.length;
  const len = volatile ? n - h.expiredCount(now) : n;
  if (both) out.map(len);
  else out.array(len);
  for (let i = 0; i < n; i++) {
    if (volatile) {
      const t = h.ttlAt(i);
      if (t !== 0 && t < now) continue;
    }
    if (what & WHAT_KEYS) out.bulk(h.fieldAt(i));
    if (what & WHAT_VALUES) out.bulk(h.valueAt(i));
  }
}

function hgetallCommand(c: Client, argv: string[]): void {
  getallGeneric(c, argv, WHAT_KEYS | WHAT_VALUES);
}

function hkeysCommand(c: Client, argv: string[]): void {
  getallGeneric(c, argv, WHAT_KEYS);
}

function hvalsCommand(c: Client, argv: string[]): void {
  getallGeneric(c, argv, WHAT_VALUES);
}

function hscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return;
  }
  const h = readHash(c, argv[1]);
  if (h === undefined) return;
  if (h === null) {
    replyEmptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  const pattern = opts.pattern;
  const now = c.server.cmdTime;
  const found: string[] = [];
  let next = 0;
  if (h.lp !== null) {
    // A listpack is returned whole in one call, COUNT ignored, as Redis does.
    const n = h.length;
    for (let i = 0; i < n; i++) {
      const t = h.ttlAt(i);
      if (t !== 0 && t < now) continue;
      const f = h.fieldAt(i);
      if (pattern === null || globMatch(pattern, f, false)) found.push(f, h.valueAt(i));
    }
  } else {
    const ttls = h.ex?.map ?? null;
    next = h.dict!.scan(cursor, opts.count, (f, v) => {
      if (ttls !== null && ttls.size > 0) {
        const t = ttls.get(f);
        if (t !== undefined && t < now) return;
      }
      if (pattern === null || globMatch(pattern, f, false)) found.push(f, v);
    });
  }
  const out = c.out;
  out.array(2);
  out.bulk(String(next));
  out.array(found.length);
  for (const s of found) out.bulk(s);
}

/** HRANDFIELD with a count: CASE 3 (copy and remove) when count*3 > size, else CASE 4. */
const HRANDFIELD_SUB_STRATEGY_MUL = 3;

function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    hrandfieldWithCount(c, argv);
    return;
  }
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  if (h === null || expireAllDue(c, key, h)) {
    c.out.nullBulk();
    return;
  }
  c.out.bulk(h.fieldAt(Math.floor(Math.random() * h.length)));
}

function hrandfieldWithCount(c: Client, argv: string[]): void {
  const l = parseInt64(argv[2]);
  if (l === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (typeof l === 'bigint' && (l > LONG_MAX || l < -LONG_MAX)) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && !eq(argv[3], 'withvalues'))) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 4) {
    withValues = true;
    if (l < -LONG_MAX / 2n || l > LONG_MAX / 2n) {
      c.error('ERR value is out of range');
      return;
    }
  }
  const key = argv[1];
  const h = readHash(c, key);
  if (h === undefined) return;
  const out = c.out;
  if (h === null || expireAllDue(c, key, h)) {
    out.array(0);
    return;
  }
  const uniq = l >= 0;
  let count = Math.abs(Number(l));
  if (count === 0) {
    out.array(0);
    return;
  }
  const size = h.length;
  const resp3 = out.proto === 3;
  // A listpack is decoded once: picks at random indexes would rescan it every time.
  const flat = h.lp !== null ? h.lpEntries() : null;
  const emit = (i: number): void => {
    if (withValues && resp3) out.array(2);
    out.bulk(flat !== null ? flat[i << 1] : h.fieldAt(i));
    if (withValues) out.bulk(flat !== null ? flat[(i << 1) + 1] : h.valueAt(i));
  };
  // CASE 1: negative count (repeats allowed, random order), or a single field.
  if (!uniq || count === 1) {
    out.array(withValues && !resp3 ? count * 2 : count);
    while (count-- > 0) {
      emit(Math.floor(Math.random() * size));
      if ((count & 1023) === 0 && replyOverflowed(c)) break;
    }
    return;
  }
  const replySize = count < size ? count : size;
  out.array(withValues && !resp3 ? replySize * 2 : replySize);
  // CASE 2: the whole hash, in its order.
  if (count >= size) {
    for (let i = 0; i < size; i++) emit(i);
    return;
  }
  // CASE 2.5: a listpack samples distinct pairs in listpack order (selection sampling).
  if (h.lp !== null) {
    let need = count;
    for (let i = 0; i < size && need > 0; i++) {
      if (Math.random() * (size - i) < need) {
        emit(i);
        need--;
      }
    }
    return;
  }
  if (count * HRANDFIELD_SUB_STRATEGY_MUL > size) {
    // CASE 3: every index, minus random ones until count are left.
    const idx = new Array<number>(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    let n = size;
    while (n > count) {
      const r = Math.floor(Math.random() * n);
      idx[r] = idx[--n];
    }
    for (let i = 0; i < count; i++) emit(idx[i]);
    return;
  }
  // CASE 4: random fields until count distinct ones were drawn.
  const seen = new Set<number>();
  while (seen.size < count) {
    const i = Math.floor(Math.random() * size);
    if (seen.has(i)) continue;
    seen.add(i);
    emit(i);
  }
}

// ---- Redis 7.4 hash-field expiration --------------------------------------------------------

/** EB_EXPIRE_TIME_MAX >> 2: the largest absolute field expire time (ms) the commands accept. */
const HFE_MAX_ABS_TIME_MSEC = 2 ** 46 - 1;

const COND_NONE = 0;
const COND_NX = 1;
const COND_XX = 2;
const COND_GT = 3;
const COND_LT = 4;

/** Reply codes of the H*EXPIRE* commands, per field. */
const HFE_NO_FIELD = -2;
const HFE_NO_CONDITION = 0;
const HFE_OK = 1;
const HFE_DELETED = 2;

/**
 * Checks `FIELDS numfields field...` at argv[at-1...]; returns numfields or 0 after replying
 * an error. `positiveErr` is the text for a numfields that is not a positive integer.
 */
function fieldsArg(c: Client, argv: string[], at: number, positiveErr: string): number {
  if (!eq(argv[at - 1], 'fields')) {
    c.error('ERR Mandatory argument FIELDS is missing or not at the right position');
    return 0;
  }
  const n = parseInt64(argv[at]);
  if (n === null || n < 1) {
    c.error(positiveErr);
    return 0;
  }
  if (n !== argv.length - at - 1) {
    c.error('ERR The `numfields` parameter must match the number of arguments');
    return 0;
  }
  return Number(n);
}

/** HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT: `key time [NX|XX|GT|LT] FIELDS numfields field...`. */
function hexpireGeneric(c: Client, argv: string[], unitMs: number, relative: boolean): void {
  const key = argv[1];
  const db = c.db;
  const server = c.server;
  const h = writeHash(c, key);
  if (h === undefined) return;
  const v = parseInt64(argv[2]);
  if (v === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (v < 0) {
    c.error('ERR invalid expire time, must be >= 0');
    return;
  }
  const timeErr = `ERR invalid expire time in '${c.cmd?.fullName ?? argv[0].toLowerCase()}' command`;
  const base = relative ? server.cmdTime : 0;
  if (v > HFE_MAX_ABS_TIME_MSEC / unitMs || Number(v) * unitMs > HFE_MAX_ABS_TIME_MSEC - base) {
    c.error(timeErr);
    return;
  }
  const when = Number(v) * unitMs + base;
  let cond = COND_NONE;
  const opt = argv[3].toLowerCase();
  if (opt === 'nx') cond = COND_NX;
  else if (opt === 'xx') cond = COND_XX;
  else if (opt === 'gt') cond = COND_GT;
  else if (opt === 'lt') cond = COND_LT;
  const at = cond === COND_NONE ? 4 : 5;
  const numFields = fieldsArg(c, argv, at, 'ERR Parameter `numFields` should be greater than 0');
  if (numFields === 0) return;
  const out = c.out;
  out.array(numFields);
  if (h === null) {
    for (let j = 0; j < numFields; j++) out.integer(HFE_NO_FIELD);
    return;
  }
  h.enableTtls();
  const now = server.cmdTime;
  let deleted = 0;
  const updated: string[] = [];
  for (let j = at + 1; j < argv.length; j++) {
    const field = argv[j];
    const i = h.indexOf(field);
    if (i === -1) {
      out.integer(HFE_NO_FIELD);
      continue;
    }
    const prev = h.ttlAt(i);
    // A field without a TTL counts as an infinite one: GT never sets it, LT always does.
    if (
      (prev === 0 && (cond === COND_XX || cond === COND_GT)) ||
      (prev !== 0 &&
        (cond === COND_NX || (cond === COND_GT && prev >= when) || (cond === COND_LT && prev <= when)))
    ) {
      out.integer(HFE_NO_CONDITION);
      continue;
    }
    if (when <= now) {
      // A time in the past deletes the field, replicated as an HDEL.
      h.deleteAt(i);
      server.propagate(db.id, ['HDEL', key, field]);
      deleted++;
      out.integer(HFE_DELETED);
      continue;
    }
    h.setTtlAt(i, when);
    updated.push(field);
    out.integer(HFE_OK);
  }
  if (deleted + updated.length === 0) return;
  server.dirty += deleted + updated.length - 1;
  if (deleted > 0 && h.length === 0) {
    db.delete(key);
    server.keyModified(db, key, NOTIFY_HASH, 'hdel');
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  } else {
    server.keyModified(db, key, NOTIFY_HASH, deleted > 0 ? 'hdel' : 'hexpire');
    trackVolatileHash(server, db, key, h);
  }
  // Replayed as an absolute HPEXPIREAT of the fields whose TTL was set (none: nothing).
  if (updated.length > 0) {
    const rewritten = ['HPEXPIREAT', key, String(when)];
    if (cond !== COND_NONE) rewritten.push(argv[3]);
    rewritten.push('FIELDS', String(updated.length));
    for (const f of updated) rewritten.push(f);
    server.propagate(db.id, rewritten);
  }
}

/** HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME: `key FIELDS numfields field...`. */
function httlGeneric(c: Client, argv: string[], unitMs: number, relative: boolean): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return;
  const numFields = fieldsArg(c, argv, 3, 'ERR Number of fields must be a positive integer');
  if (numFields === 0) return;
  const out = c.out;
  out.array(numFields);
  const now = c.server.cmdTime;
  const base = relative ? now : 0;
  for (let j = 4; j < argv.length; j++) {
    const i = h === null ? -1 : h.indexOf(argv[j]);
    if (i === -1) {
      out.integer(HFE_NO_FIELD);
      continue;
    }
    const t = h!.ttlAt(i);
    if (t === 0) out.integer(-1);
    // A listpackex reports a field expiring right now as gone; a hashtable only after.
    else if (t < now || (t === now && h!.lp !== null)) out.integer(HFE_NO_FIELD);
    else if (unitMs === 1000) out.integer(Math.floor((t + 999 - base) / 1000));
    else out.integer(t - base);
  }
}

function hpersistCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === undefined) return;
  const numFields = fieldsArg(c, argv, 3, 'ERR Number of fields must be a positive integer');
  if (numFields === 0) return;
  const out = c.out;
  out.array(numFields);
  const now = c.server.cmdTime;
  let changed = false;
  for (let j = 4; j < argv.length; j++) {
    const i = h === null ? -1 : h.indexOf(argv[j]);
    if (i === -1) {
      out.integer(HFE_NO_FIELD);
      continue;
    }
    const t = h!.ttlAt(i);
    if (t === 0) out.integer(-1);
    else if (t < now) out.integer(HFE_NO_FIELD);
    else {
      h!.setTtlAt(i, 0);
      out.integer(1);
      changed = true;
    }
  }
  if (changed) c.server.keyModified(c.db, key, NOTIFY_HASH, 'hpersist');
}

// ---- command table --------------------------------------------------------------------------

type Flag = CommandSpec['flags'][number];

function cmd(
  name: string,
  arity: number,
  flags: Flag[],
  handler: CommandSpec['handler'],
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['hash'],
    handler,
    group: 'hash',
    ...extra,
  };
}

const W_FAST: Flag[] = ['write', 'denyoom', 'fast'];
const R_FAST: Flag[] = ['readonly', 'fast'];

export const specs: CommandSpec[] = [
  cmd('hset', -4, W_FAST, hsetCommand),
  cmd('hmset', -4, W_FAST, hsetCommand),
  cmd('hsetnx', 4, W_FAST, hsetnxCommand),
  cmd('hget', 3, R_FAST, hgetCommand),
  cmd('hmget', -3, R_FAST, hmgetCommand),
  cmd('hdel', -3, ['write', 'fast'], hdelCommand),
  cmd('hlen', 2, R_FAST, hlenCommand),
  cmd('hstrlen', 3, R_FAST, hstrlenCommand),
  cmd('hexists', 3, R_FAST, hexistsCommand),
  cmd('hincrby', 4, W_FAST, hincrbyCommand),
  cmd('hincrbyfloat', 4, W_FAST, hincrbyfloatCommand),
  cmd('hgetall', 2, ['readonly'], hgetallCommand),
  cmd('hkeys', 2, ['readonly'], hkeysCommand),
  cmd('hvals', 2, ['readonly'], hvalsCommand),
  cmd('hrandfield', -2, ['readonly'], hrandfieldCommand),
  cmd('hscan', -3, ['readonly'], hscanCommand),
  cmd('hexpire', -6, W_FAST, (c, argv) => hexpireGeneric(c, argv, 1000, true), { since: '7.4.0' }),
  cmd('hpexpire', -6, W_FAST, (c, argv) => hexpireGeneric(c, argv, 1, true), { since: '7.4.0' }),
  cmd('hexpireat', -6, W_FAST, (c, argv) => hexpireGeneric(c, argv, 1000, false), { since: '7.4.0' }),
  cmd('hpexpireat', -6, W_FAST, (c, argv) => hexpireGeneric(c, argv, 1, false), { since: '7.4.0' }),
  cmd('httl', -5, R_FAST, (c, argv) => httlGeneric(c, argv, 1000, true), { since: '7.4.0' }),
  cmd('hpttl', -5, R_FAST, (c, argv) => httlGeneric(c, argv, 1, true), { since: '7.4.0' }),
  cmd('hexpiretime', -5, R_FAST, (c, argv) => httlGeneric(c, argv, 1000, false), { since: '7.4.0' }),
  cmd('hpexpiretime', -5, R_FAST, (c, argv) => httlGeneric(c, argv, 1, false), { since: '7.4.0' }),
  cmd('hpersist', -5, ['write', 'fast'], hpersistCommand, { since: '7.4.0' }),
];
