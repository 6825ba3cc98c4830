/**
 * Set commands (t_set.c, Redis 7.0). Members are latin1 strings; the data type and its
 * intset/hashtable encodings live in store/types/set.ts. Reply orders follow Redis where
 * they are deterministic there: an intset iterates in ascending order, and the results of
 * SUNION/SDIFF (and the *STORE destinations) are built in a fresh set that starts as an
 * intset, exactly as Redis builds them.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { Database } from '../store/database.js';
import { SetObject } from '../store/types/set.js';
import {
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  lookupReadCounted,
  parseScanCursor,
  parseScanOptions,
  replyEmptyScan,
  replyOverflowed,
} from './util.js';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../server/notify.js';
import { parseInt64 } from '../util/numbers.js';
import { globMatch } from '../util/glob.js';

const ERR_POSITIVE = 'ERR value is out of range, must be positive';
const LONG_MAX = 9223372036854775807n;

// ---- lookups --------------------------------------------------------------------------------

/** The set at key for reading (counts hits/misses): null when missing, undefined after WRONGTYPE. */
function readSet(c: Client, key: string): SetObject | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (!(v instanceof SetObject)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** The set at key for writing: null when missing, undefined after WRONGTYPE. */
function writeSet(c: Client, key: string): SetObject | null | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined) return null;
  if (!(v instanceof SetObject)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

function maxIntset(c: Client): number {
  return c.server.config.num('set-max-intset-entries');
}

/** Deletes key (its set went empty) with the generic `del` event. */
function deleteEmpty(c: Client, db: Database, key: string): void {
  db.delete(key);
  c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
}

/**
 * A count argument as getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) reads it; replies
 * and returns null on error. Values beyond 2^53 come back as (inexact) numbers: they only
 * ever mean "more than any set holds".
 */
function rangeLongArg(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null) {
    c.error(ERR_NOT_INTEGER);
    return null;
  }
  if (typeof v === 'bigint' && (v > LONG_MAX || v < -LONG_MAX)) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return null;
  }
  return Number(v);
}

function replyMembers(c: Client, s: SetObject): void {
  const n = s.size;
  c.out.set(n);
  for (let i = 0; i < n; i++) c.out.bulk(s.memberAt(i));
}

// ---- single-key commands --------------------------------------------------------------------

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  let s = writeSet(c, key);
  if (s === undefined) return;
  if (s === null) {
    s = SetObject.forMember(argv[2]);
    db.add(key, s);
  }
  const max = maxIntset(c);
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (s.add(argv[j], max)) added++;
  if (added > 0) {
    c.server.keyModified(db, key, NOTIFY_SET, 'sadd');
    c.server.dirty += added - 1;
  }
  c.out.integer(added);
}

function sremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const s = writeSet(c, key);
  if (s === undefined) return;
  if (s === null) {
    c.out.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (s.remove(argv[j])) {
      deleted++;
      if (s.size === 0) {
        db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.server.keyModified(db, key, NOTIFY_SET, 'srem');
    if (removed) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.server.dirty += deleted - 1;
  }
  c.out.integer(deleted);
}

function scardCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  c.out.integer(s === null ? 0 : s.size);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  c.out.integer(s !== null && s.has(argv[2]) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  c.out.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.out.integer(s !== null && s.has(argv[j]) ? 1 : 0);
}

function smoveCommand(c: Client, argv: string[]): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  const member = argv[3];
  const db = c.db;
  const src = db.lookupWrite(srcKey);
  const dst = db.lookupWrite(dstKey);
  if (src === undefined) {
    c.out.integer(0);
    return;
  }
  if (!(src instanceof SetObject) || (dst !== undefined && !(dst instanceof SetObject))) {
    c.error(ERR_WRONGTYPE);
    return;
  }
  if (src === dst) {
    c.out.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.out.integer(0);
    return;
  }
  c.server.notifyKeyspaceEvent(NOTIFY_SET, 'srem', srcKey, db.id);
  if (src.size === 0) deleteEmpty(c, db, srcKey);
  let target = dst as SetObject | undefined;
  if (target === undefined) {
    target = SetObject.forMember(member);
    db.add(dstKey, target);
  }
  c.server.signalModifiedKey(db, srcKey);
  c.server.dirty++;
  if (target.add(member, maxIntset(c))) c.server.keyModified(db, dstKey, NOTIFY_SET, 'sadd');
  c.out.integer(1);
}

// ---- random members -------------------------------------------------------------------------

/** SRANDMEMBER with a count: CASE 3 (copy and remove) when count*3 > size, else CASE 4. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;
/** SPOP with a count: CASE 2 (pop one by one) while remaining*5 > count, else CASE 3. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    c.out.nullBulk();
    return;
  }
  c.out.bulk(s.memberAt(s.randomIndex()));
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = rangeLongArg(c, argv[2]);
  if (l === null) return;
  const uniq = l >= 0;
  let count = Math.abs(l);
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  if (s === null || count === 0) {
    c.out.array(0);
    return;
  }
  const size = s.size;
  const out = c.out;
  // CASE 1: negative count (repeats allowed, random order), or a single member.
  if (!uniq || count === 1) {
    out.array(count);
    while (count-- > 0) {
      out.bulk(s.memberAt(s.randomIndex()));
      if ((count & 1023) === 0 && replyOverflowed(c)) break;
    }
    return;
  }
  // CASE 2: the whole set, in iteration order.
  if (count >= size) {
    out.array(size);
    for (let i = 0; i < size; i++) out.bulk(s.memberAt(i));
    return;
  }
  out.array(count);
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // CASE 3: copy every index, drop random ones until count are left.
    const idx = new Array<number>(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    let n = size;
    while (n > count) {
      const r = Math.floor(Math.random() * n);
      idx[r] = idx[--n];
    }
    for (let i = 0; i < count; i++) out.bulk(s.memberAt(idx[i]));
    return;
  }
  // CASE 4: draw random members until count distinct ones were seen.
  const seen = new Set<number>();
  while (seen.size < count) {
    const i = s.randomIndex();
    if (seen.has(i)) continue;
    seen.add(i);
    out.bulk(s.memberAt(i));
  }
}

function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1];
  const db = c.db;
  const s = writeSet(c, key);
  if (s === undefined) return;
  if (s === null) {
    c.out.nullBulk();
    return;
  }
  const i = s.randomIndex();
  const member = s.memberAt(i);
  s.removeAt(i);
  c.server.notifyKeyspaceEvent(NOTIFY_SET, 'spop', key, db.id);
  // Not deterministic on replay: propagated as the SREM of the member it popped.
  c.server.propagate(db.id, ['SREM', key, member]);
  c.out.bulk(member);
  if (s.size === 0) deleteEmpty(c, db, key);
  c.server.signalModifiedKey(db, key);
  c.server.dirty++;
}

function spopWithCount(c: Client, argv: string[]): void {
  // getPositiveLongFromObjectOrReply: one message for anything but a long >= 0.
  const v = parseInt64(argv[2]);
  if (v === null || v < 0) {
    c.error(ERR_POSITIVE);
    return;
  }
  let count = Number(v);
  const key = argv[1];
  const db = c.db;
  const s = writeSet(c, key);
  if (s === undefined) return;
  if (s === null || count === 0) {
    c.out.set(0);
    return;
  }
  const size = s.size;
  const server = c.server;
  server.notifyKeyspaceEvent(NOTIFY_SET, 'spop', key, db.id);
  server.dirty += count >= size ? size : count;
  const out = c.out;
  // CASE 1: the whole set goes: reply with it (built like SUNION), delete the key, and
  // propagate a DEL (UNLINK with lazyfree-lazy-server-del).
  if (count >= size) {
    server.stats.keyspaceHits++; // Redis replies through SUNION's code, which looks the key up again
    replyMembers(c, unionOf([s], maxIntset(c)));
    deleteEmpty(c, db, key);
    server.propagate(db.id, [server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    server.signalModifiedKey(db, key);
    return;
  }
  out.set(count);
  let remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: pop random members one by one, each propagated as an SREM.
    while (count-- > 0) {
      const i = s.randomIndex();
      const m = s.memberAt(i);
      s.removeAt(i);
      out.bulk(m);
      server.propagate(db.id, ['SREM', key, m]);
    }
  } else {
    // CASE 3: move the members that stay into a new set (whose encoding is picked afresh,
    // as Redis's setTypeCreate does), then reply with what is left in the old one.
    const max = maxIntset(c);
    let kept: SetObject | null = null;
    while (remaining-- > 0) {
      const i = s.randomIndex();
      const m = s.memberAt(i);
      if (kept === null) kept = SetObject.forMember(m);
      kept.add(m, max);
      s.removeAt(i);
    }
    const n = s.size;
    for (let i = 0; i < n; i++) {
      const m = s.memberAt(i);
      out.bulk(m);
      server.propagate(db.id, ['SREM', key, m]);
    }
    kept!.lru = s.lru;
    db.overwrite(key, kept!);
  }
  server.signalModifiedKey(db, key);
}

// ---- multi-key commands ---------------------------------------------------------------------

/**
 * Looks up every key for SINTER/SUNION/SDIFF (counted reads). Returns the sets (null for
 * missing keys), or undefined after replying WRONGTYPE.
 */
function lookupSets(c: Client, argv: string[], from: number, to: number): (SetObject | null)[] | undefined {
  const sets: (SetObject | null)[] = [];
  for (let j = from; j < to; j++) {
    const s = readSet(c, argv[j]);
    if (s === undefined) return undefined;
    sets.push(s);
  }
  return sets;
}

/** Stores `result` at dstKey (any old value is replaced) or deletes dstKey when it is empty. */
function storeResult(c: Client, dstKey: string, result: SetObject, event: string): void {
  const db = c.db;
  if (result.size > 0) {
    db.lookupWrite(dstKey); // setKey's lookup: an expired destination is reclaimed (and notified) first
    db.setKey(dstKey, result);
    c.out.integer(result.size);
    c.server.keyModified(db, dstKey, NOTIFY_SET, event);
    return;
  }
  c.out.integer(0);
  if (db.delete(dstKey)) c.server.keyModified(db, dstKey, NOTIFY_GENERIC, 'del');
}

/** Redis's sinterGenericCommand: SINTER, SINTERSTORE, SINTERCARD and SMEMBERS. */
function sinterGeneric(
  c: Client,
  argv: string[],
  from: number,
  to: number,
  dstKey: string | null,
  cardOnly: boolean,
  limit: number,
): void {
  const found = lookupSets(c, argv, from, to);
  if (found === undefined) return;
  if (found.includes(null)) {
    if (dstKey !== null) {
      if (c.db.delete(dstKey)) c.server.keyModified(c.db, dstKey, NOTIFY_GENERIC, 'del');
      c.out.integer(0);
    } else if (cardOnly) c.out.integer(0);
    else c.out.set(0);
    return;
  }
  // Smallest first (a stable sort, like glibc's qsort of equal sizes).
  const sets = (found as SetObject[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0];
  const n = first.size;
  const out = c.out;
  const dst = dstKey !== null ? SetObject.emptyIntset() : null;
  const max = maxIntset(c);
  let card = 0;
  let mark = -1;
  if (dst === null && !cardOnly) mark = out.deferLen();
  for (let i = 0; i < n; i++) {
    const m = first.memberAt(i);
    let j = 1;
    for (; j < sets.length; j++) {
      if (sets[j] === first) continue;
      if (!sets[j].has(m)) break;
    }
    if (j !== sets.length) continue;
    if (cardOnly) {
      card++;
      if (limit !== 0 && card >= limit) break;
    } else if (dst === null) {
      out.bulk(m);
      card++;
    } else {
      dst.add(m, max);
    }
  }
  if (cardOnly) out.integer(card);
  else if (dst !== null) storeResult(c, dstKey!, dst, 'sinterstore');
  else out.setDeferredSet(mark, card);
}

/** The union of sets into a fresh set that starts as an intset (Redis's temporary dstset). */
function unionOf(sets: (SetObject | null)[], max: number): SetObject {
  const dst = SetObject.emptyIntset();
  for (const s of sets) {
    if (s === null) continue;
    const n = s.size;
    for (let i = 0; i < n; i++) dst.add(s.memberAt(i), max);
  }
  return dst;
}

/** Redis's sunionDiffGenericCommand: SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE. */
function sunionDiffGeneric(
  c: Client,
  argv: string[],
  from: number,
  to: number,
  dstKey: string | null,
  diff: boolean,
): void {
  const sets = lookupSets(c, argv, from, to);
  if (sets === undefined) return;
  const max = maxIntset(c);
  let dst: SetObject;
  if (!diff) {
    dst = unionOf(sets, max);
  } else {
    dst = SetObject.emptyIntset();
    const first = sets[0];
    let same = false;
    for (let j = 1; j < sets.length; j++) if (sets[j] === first && first !== null) same = true;
    if (first !== null && !same) {
      // Algorithm 1 (check each member of the first set against the others) when its work
      // is smaller, else algorithm 2 (add the first set, remove the others); same result.
      let one = 0;
      let two = 0;
      for (const s of sets) {
        if (s === null) continue;
        one += first.size;
        two += s.size;
      }
      if (one / 2 <= two) {
        const others = sets.slice(1).filter((s): s is SetObject => s !== null);
        others.sort((a, b) => b.size - a.size);
        const n = first.size;
        for (let i = 0; i < n; i++) {
          const m = first.memberAt(i);
          let k = 0;
          for (; k < others.length; k++) if (others[k].has(m)) break;
          if (k === others.length) dst.add(m, max);
        }
      } else {
        const n = first.size;
        for (let i = 0; i < n; i++) dst.add(first.memberAt(i), max);
        for (let j = 1; j < sets.length && dst.size > 0; j++) {
          const s = sets[j];
          if (s === null) continue;
          const sn = s.size;
          for (let i = 0; i < sn; i++) dst.remove(s.memberAt(i));
        }
      }
    }
  }
  if (dstKey === null) replyMembers(c, dst);
  else storeResult(c, dstKey, dst, diff ? 'sdiffstore' : 'sunionstore');
}

function sinterCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 1, argv.length, null, false, 0);
}

function smembersCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 1, 2, null, false, 0);
}

function sinterstoreCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 2, argv.length, argv[1], false, 0);
}

function sintercardCommand(c: Client, argv: string[]): void {
  const nk = parseInt64(argv[1]);
  if (nk === null || nk < 1) {
    c.error('ERR numkeys should be greater than 0');
    return;
  }
  if (nk > argv.length - 2) {
    c.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  const numkeys = Number(nk);
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'limit' && j < argv.length - 1) {
      j++;
      const l = parseInt64(argv[j]);
      if (l === null || l < 0) {
        c.error("ERR LIMIT can't be negative");
        return;
      }
      limit = Number(l);
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(c, argv, 2, 2 + numkeys, null, true, limit);
}

function sunionCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, argv.length, null, false);
}

function sunionstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv.length, argv[1], false);
}

function sdiffCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, argv.length, null, true);
}

function sdiffstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv.length, argv[1], true);
}

function sscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error('ERR invalid cursor');
    return;
  }
  const s = readSet(c, argv[1]);
  if (s === undefined) return;
  if (s === null) {
    replyEmptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  const pattern = opts.pattern;
  const found: string[] = [];
  let next = 0;
  if (s.isIntset) {
    // A small encoding is returned whole in one call, COUNT ignored, as Redis does.
    const n = s.size;
    for (let i = 0; i < n; i++) {
      const m = s.memberAt(i);
      if (pattern === null || globMatch(pattern, m, false)) found.push(m);
    }
  } else {
    next = s.dict!.scan(cursor, opts.count, (m) => {
      if (pattern === null || globMatch(pattern, m, false)) found.push(m);
    });
  }
  const out = c.out;
  out.array(2);
  out.bulk(String(next));
  out.array(found.length);
  for (const m of found) out.bulk(m);
}

// ---- command table --------------------------------------------------------------------------

type Flag = CommandSpec['flags'][number];

function cmd(
  name: string,
  arity: number,
  flags: Flag[],
  keys: [number, number, number],
  handler: CommandSpec['handler'],
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    acl: ['set'],
    handler,
    group: 'set',
    ...extra,
  };
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: the keys follow numkeys. */
function sintercardKeys(argv: string[]): number[] {
  const n = Number(argv[1]);
  const keys: number[] = [];
  if (!Number.isSafeInteger(n) || n < 1 || 2 + n > argv.length) return keys;
  for (let i = 2; i < 2 + n; i++) keys.push(i);
  return keys;
}

export const specs: CommandSpec[] = [
  cmd('sadd', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], saddCommand),
  cmd('srem', -3, ['write', 'fast'], [1, 1, 1], sremCommand),
  cmd('scard', 2, ['readonly', 'fast'], [1, 1, 1], scardCommand),
  cmd('sismember', 3, ['readonly', 'fast'], [1, 1, 1], sismemberCommand),
  cmd('smismember', -3, ['readonly', 'fast'], [1, 1, 1], smismemberCommand),
  cmd('smembers', 2, ['readonly'], [1, 1, 1], smembersCommand),
  cmd('smove', 4, ['write', 'fast'], [1, 2, 1], smoveCommand),
  cmd('srandmember', -2, ['readonly'], [1, 1, 1], srandmemberCommand),
  cmd('spop', -2, ['write', 'fast'], [1, 1, 1], spopCommand),
  cmd('sinter', -2, ['readonly'], [1, -1, 1], sinterCommand),
  cmd('sintercard', -3, ['readonly', 'movablekeys'], [0, 0, 0], sintercardCommand, {
    getKeys: sintercardKeys,
  }),
  cmd('sinterstore', -3, ['write', 'denyoom'], [1, -1, 1], sinterstoreCommand),
  cmd('sunion', -2, ['readonly'], [1, -1, 1], sunionCommand),
  cmd('sunionstore', -3, ['write', 'denyoom'], [1, -1, 1], sunionstoreCommand),
  cmd('sdiff', -2, ['readonly'], [1, -1, 1], sdiffCommand),
  cmd('sdiffstore', -3, ['write', 'denyoom'], [1, -1, 1], sdiffstoreCommand),
  cmd('sscan', -3, ['readonly'], [1, 1, 1], sscanCommand),
];
