/**
 * List commands (Redis 7.0's t_list.c), including the blocking ones: BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH and BLMPOP park the client through server/blocking.ts when every key is empty,
 * and are served by `LIST_BLOCK.serve` when a list appears on one of their keys.
 *
 * Argument parsing, lookup order, error texts, keyspace events, `dirty` counts and the
 * propagated forms follow 7.0.15 step by step (see each handler), including its quirks: a
 * served BLPOP/BLMOVE does not count as a change for WATCH or `dirty`, as in 7.0.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { Database } from '../store/database.js';
import { ListValue, LIST_HEAD, LIST_TAIL, Needle } from '../store/types/list.js';
import {
  ERR_SYNTAX,
  ERR_WRONGTYPE,
  ERR_NO_SUCH_KEY,
  ERR_NOT_INTEGER,
  eq,
  lookupReadCounted,
  intArg,
  rangeIntArg,
} from './util.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify.js';
import { parseInt64 } from '../util/numbers.js';
import { mayBlock, parseTimeout, type BlockHandler } from '../server/blocking.js';

const ERR_OUT_OF_RANGE = 'ERR value is out of range, must be positive';
const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const INT64_MIN_BIG = -(2n ** 63n);

// ---- Lookups and argument parsing --------------------------------------------------------

/** Reads a list key (keyspace hits/misses counted): the list, null when missing, undefined after WRONGTYPE. */
function readList(c: Client, key: string): ListValue | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (!(v instanceof ListValue)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** Looks a list key up for writing: the list, null when missing, undefined after WRONGTYPE. */
function writeList(c: Client, db: Database, key: string): ListValue | null | undefined {
  const v = db.lookupWrite(key);
  if (v === undefined) return null;
  if (!(v instanceof ListValue)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** LEFT|RIGHT (getListPositionFromObjectOrReply); -1 after a syntax error. */
function positionArg(c: Client, s: string): number {
  if (eq(s, 'right')) return LIST_TAIL;
  if (eq(s, 'left')) return LIST_HEAD;
  c.error(ERR_SYNTAX);
  return -1;
}

function sideName(where: number): string {
  return where === LIST_HEAD ? 'LEFT' : 'RIGHT';
}

/** Converts an index that may count from the tail; -1 when out of range. */
function normIndex(l: ListValue, index: number): number {
  const n = l.length;
  if (index < 0) index += n;
  return index >= 0 && index < n ? index : -1;
}

// ---- Shared pieces of the commands ---------------------------------------------------------

/** listElementsRemoved: the pop event, deletion of an emptied list, WATCH and dirty. */
function listElementsRemoved(
  c: Client,
  db: Database,
  key: string,
  where: number,
  l: ListValue,
  count: number,
): void {
  const server = c.server;
  server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpop' : 'rpop', key, db.id);
  if (l.length === 0) {
    db.delete(key);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  server.signalModifiedKey(db, key);
  server.dirty += count;
}

/** addListRangeReply for the first/last `count` elements popped from `where` (in pop order). */
function replyPoppedRange(c: Client, l: ListValue, where: number, count: number): void {
  c.out.array(count);
  if (where === LIST_HEAD) l.writeRange(c.out, 0, count);
  else l.writeRange(c.out, l.length - 1, count, true);
}

function dropRange(l: ListValue, where: number, count: number): void {
  if (where === LIST_HEAD) l.dropHead(count);
  else l.dropTail(count);
}

/** listPopRangeAndReplyWithKey: [key, [elements...]] for LMPOP/BLMPOP. */
function popRangeWithKey(
  c: Client,
  db: Database,
  l: ListValue,
  key: string,
  where: number,
  count: number,
): number {
  const n = Math.min(count, l.length);
  c.out.array(2);
  c.out.bulk(key);
  replyPoppedRange(c, l, where, n);
  dropRange(l, where, n);
  listElementsRemoved(c, db, key, where, l, n);
  return n;
}

/** lmoveHandlePush: creates the destination when needed, pushes, notifies, replies the value. */
function lmoveHandlePush(
  c: Client,
  db: Database,
  dstkey: string,
  dst: ListValue | null,
  value: string,
  where: number,
): void {
  if (dst === null) {
    dst = new ListValue();
    db.add(dstkey, dst); // signals dstkey as ready for clients blocked on it
  }
  c.server.signalModifiedKey(db, dstkey);
  dst.push(value, where);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpush' : 'rpush', dstkey, db.id);
  c.out.bulk(value);
}

// ---- Push ------------------------------------------------------------------------------------

function pushGeneric(c: Client, argv: string[], where: number, xx: boolean): void {
  const db = c.db;
  const key = argv[1];
  let l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    if (xx) {
      c.out.integer(0);
      return;
    }
    l = new ListValue();
    db.add(key, l);
  }
  for (let j = 2; j < argv.length; j++) l.push(argv[j], where);
  const server = c.server;
  server.dirty += argv.length - 2;
  c.out.integer(l.length);
  server.signalModifiedKey(db, key);
  server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpush' : 'rpush', key, db.id);
}

function lpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, LIST_HEAD, false);
}

function rpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, LIST_TAIL, false);
}

function lpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, LIST_HEAD, true);
}

function rpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, LIST_TAIL, true);
}

// ---- Pop ---------------------------------------------------------------------------------------

function popGeneric(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) {
    c.error(`ERR wrong number of arguments for '${c.cmd!.fullName}' command`);
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = rangeIntArg(c, argv[2], 0, ERR_OUT_OF_RANGE);
    if (n === null) return;
    count = n;
  }
  const db = c.db;
  const key = argv[1];
  const l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    if (hasCount) c.out.nullArray();
    else c.out.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.out.array(0);
    return;
  }
  if (!hasCount) {
    l.writeRange(c.out, where === LIST_HEAD ? 0 : l.length - 1, 1);
    dropRange(l, where, 1);
    listElementsRemoved(c, db, key, where, l, 1);
    return;
  }
  const n = Math.min(count, l.length);
  replyPoppedRange(c, l, where, n);
  dropRange(l, where, n);
  listElementsRemoved(c, db, key, where, l, n);
}

function lpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, LIST_HEAD);
}

function rpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, LIST_TAIL);
}

// ---- Reads ---------------------------------------------------------------------------------

function llenCommand(c: Client, argv: string[]): void {
  const l = readList(c, argv[1]);
  if (l === undefined) return;
  c.out.integer(l === null ? 0 : l.length);
}

function lindexCommand(c: Client, argv: string[]): void {
  const l = readList(c, argv[1]);
  if (l === undefined) return;
  if (l === null) {
    c.out.nullBulk();
    return;
  }
  const index = intArg(c, argv[2]);
  if (index === null) return;
  const i = normIndex(l, index);
  if (i === -1) c.out.nullBulk();
  else l.writeRange(c.out, i, 1);
}

function lrangeCommand(c: Client, argv: string[]): void {
  let start = intArg(c, argv[2]);
  if (start === null) return;
  let end = intArg(c, argv[3]);
  if (end === null) return;
  const l = readList(c, argv[1]);
  if (l === undefined) return;
  if (l === null) {
    c.out.array(0);
    return;
  }
  const llen = l.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.out.array(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  const n = end - start + 1;
  c.out.array(n);
  l.writeRange(c.out, start, n);
}

function lposCommand(c: Client, argv: string[]): void {
  let rank = 1;
  let anyRank = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const more = argv.length - 1 - j;
    if (more > 0 && eq(opt, 'rank')) {
      const r = parseInt64(argv[++j]);
      if (r === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      if (r === 0) {
        c.error(ERR_RANK_ZERO);
        return;
      }
      // Exactly -2^63 is told apart before the conversion rounds its neighbours onto it.
      anyRank = r === INT64_MIN_BIG;
      rank = Number(r);
    } else if (more > 0 && eq(opt, 'count')) {
      const n = rangeIntArg(c, argv[++j], 0, "ERR COUNT can't be negative");
      if (n === null) return;
      count = n;
    } else if (more > 0 && eq(opt, 'maxlen')) {
      const n = rangeIntArg(c, argv[++j], 0, "ERR MAXLEN can't be negative");
      if (n === null) return;
      maxlen = n;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  // A negative rank searches from the tail. RANK -2^63 stays negative when negated in C:
  // every match then qualifies and COUNT never stops the scan (7.0.15 behaves so).
  let fromTail = false;
  if (rank < 0) {
    fromTail = true;
    rank = -rank;
  }
  const l = readList(c, argv[1]);
  if (l === undefined) return;
  if (l === null) {
    if (count !== -1) c.out.array(0);
    else c.out.nullBulk();
    return;
  }
  const needle = new Needle(argv[2]);
  const llen = l.length;
  const limit = maxlen === 0 ? llen : Math.min(maxlen, llen);
  if (count === -1) {
    let matches = 0;
    for (let k = 0; k < limit; k++) {
      const i = fromTail ? llen - 1 - k : k;
      if (l.matchAt(i, needle) && (++matches >= rank || anyRank)) {
        c.out.integer(i);
        return;
      }
    }
    c.out.nullBulk();
    return;
  }
  const marker = c.out.deferLen();
  let matches = 0;
  let found = 0;
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? llen - 1 - k : k;
    if (!l.matchAt(i, needle)) continue;
    matches++;
    if (matches >= rank || anyRank) {
      found++;
      c.out.integer(i);
      if (count !== 0 && !anyRank && matches - rank + 1 >= count) break;
    }
  }
  c.out.setDeferredArray(marker, found);
}

// ---- Updates in place ------------------------------------------------------------------------

function lsetCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const index = intArg(c, argv[2]);
  if (index === null) return;
  const i = normIndex(l, index);
  if (i === -1) {
    c.error(ERR_INDEX_OUT_OF_RANGE);
    return;
  }
  l.set(i, argv[3]);
  c.out.ok();
  c.server.keyModified(db, key, NOTIFY_LIST, 'lset');
}

function linsertCommand(c: Client, argv: string[]): void {
  let after: boolean;
  if (eq(argv[2], 'after')) after = true;
  else if (eq(argv[2], 'before')) after = false;
  else {
    c.error(ERR_SYNTAX);
    return;
  }
  const db = c.db;
  const key = argv[1];
  const l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    c.out.integer(0);
    return;
  }
  const pivot = l.indexOf(new Needle(argv[3]));
  if (pivot === -1) {
    c.out.integer(-1);
    return;
  }
  l.insert(after ? pivot + 1 : pivot, argv[4]);
  c.server.keyModified(db, key, NOTIFY_LIST, 'linsert');
  c.out.integer(l.length);
}

function lremCommand(c: Client, argv: string[]): void {
  const toremove = intArg(c, argv[2]);
  if (toremove === null) return;
  const db = c.db;
  const key = argv[1];
  const l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    c.out.integer(0);
    return;
  }
  // Counts beyond any list length remove every match (LONG_MIN included, which C cannot negate).
  const limit = Math.abs(toremove);
  const removed = l.removeMatching(new Needle(argv[3]), limit, toremove < 0);
  const server = c.server;
  server.dirty += removed;
  if (removed !== 0) {
    server.signalModifiedKey(db, key);
    server.notifyKeyspaceEvent(NOTIFY_LIST, 'lrem', key, db.id);
  }
  if (l.length === 0) {
    db.delete(key);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  c.out.integer(removed);
}

function ltrimCommand(c: Client, argv: string[]): void {
  let start = intArg(c, argv[2]);
  if (start === null) return;
  let end = intArg(c, argv[3]);
  if (end === null) return;
  const db = c.db;
  const key = argv[1];
  const l = writeList(c, db, key);
  if (l === undefined) return;
  if (l === null) {
    c.out.ok();
    return;
  }
  const llen = l.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= llen) {
    ltrim = llen;
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  l.dropHead(ltrim);
  l.dropTail(rtrim);
  const server = c.server;
  server.notifyKeyspaceEvent(NOTIFY_LIST, 'ltrim', key, db.id);
  if (l.length === 0) {
    db.delete(key);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  server.signalModifiedKey(db, key);
  server.dirty += ltrim + rtrim;
  c.out.ok();
}

// ---- LMOVE / RPOPLPUSH -----------------------------------------------------------------------

/** lmoveGenericCommand; `propagateAs` rewrites BLMOVE/BRPOPLPUSH into their plain forms. */
function lmoveGeneric(
  c: Client,
  argv: string[],
  wherefrom: number,
  whereto: number,
  propagateAs: string | null,
): void {
  const db = c.db;
  const src = argv[1];
  const dstkey = argv[2];
  const sobj = writeList(c, db, src);
  if (sobj === undefined) return;
  if (sobj === null || sobj.length === 0) {
    c.out.nullBulk();
    return;
  }
  const dobj = writeList(c, db, dstkey);
  if (dobj === undefined) return;
  const value = sobj.pop(wherefrom)!;
  lmoveHandlePush(c, db, dstkey, dobj, value, whereto);
  const server = c.server;
  server.notifyKeyspaceEvent(NOTIFY_LIST, wherefrom === LIST_HEAD ? 'lpop' : 'rpop', src, db.id);
  if (sobj.length === 0) {
    db.delete(src);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', src, db.id);
  }
  server.signalModifiedKey(db, src);
  server.dirty++;
  if (propagateAs === 'LMOVE')
    server.propagate(db.id, ['LMOVE', src, dstkey, sideName(wherefrom), sideName(whereto)]);
  else if (propagateAs === 'RPOPLPUSH') server.propagate(db.id, ['RPOPLPUSH', src, dstkey]);
}

function lmoveCommand(c: Client, argv: string[]): void {
  const wherefrom = positionArg(c, argv[3]);
  if (wherefrom === -1) return;
  const whereto = positionArg(c, argv[4]);
  if (whereto === -1) return;
  lmoveGeneric(c, argv, wherefrom, whereto, null);
}

function rpoplpushCommand(c: Client, argv: string[]): void {
  lmoveGeneric(c, argv, LIST_TAIL, LIST_HEAD, null);
}

// ---- LMPOP -------------------------------------------------------------------------------------

/** mpopGenericCommand: pops from the first non-empty list among keys. */
function mpopGeneric(c: Client, keys: string[], where: number, count: number): void {
  const db = c.db;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    const l = writeList(c, db, key);
    if (l === undefined) return;
    if (l === null || l.length === 0) continue;
    const n = popRangeWithKey(c, db, l, key, where, count);
    c.server.propagate(db.id, [where === LIST_HEAD ? 'LPOP' : 'RPOP', key, String(n)]);
    return;
  }
  c.out.nullArray();
}

/** lmpopGenericCommand: `numkeys` at argv[numkeysIdx]; BLMPOP has its timeout at argv[1]. */
function lmpopGeneric(c: Client, argv: string[], numkeysIdx: number, block: boolean): void {
  const numkeys = rangeIntArg(c, argv[numkeysIdx], 1, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR_SYNTAX);
    return;
  }
  const where = positionArg(c, argv[whereIdx]);
  if (where === -1) return;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && more > 0 && eq(argv[j], 'count')) {
      const n = rangeIntArg(c, argv[++j], 1, 'ERR count should be greater than 0');
      if (n === null) return;
      count = n;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (block) blockingPopGeneric(c, argv, keys, where, 1, count);
  else mpopGeneric(c, keys, where, count);
}

function lmpopCommand(c: Client, argv: string[]): void {
  lmpopGeneric(c, argv, 1, false);
}

// ---- Blocking commands -------------------------------------------------------------------------

/** What a client blocked on lists waits to do (Redis's bpop fields). */
interface ListBlock {
  wherefrom: number;
  whereto: number;
  /** BLMOVE/BRPOPLPUSH destination, or null for pops. */
  dst: string | null;
  /** BLMPOP's count, or -1 for BLPOP/BRPOP. */
  count: number;
  /** BRPOPLPUSH propagates as RPOPLPUSH rather than LMOVE. */
  rpoplpush: boolean;
}

/**
 * serveClientBlockedOnList: a list appeared on `key`. Pops (or moves) for the receiver,
 * replies, notifies and propagates the non-blocking form. A BLMOVE whose destination now
 * holds another type gets WRONGTYPE and nothing is popped.
 */
function serveBlockedOnList(c: Client, db: Database, key: string, arg: unknown): boolean {
  const b = arg as ListBlock;
  const l = db.dict.get(key) as ListValue;
  const server = c.server;
  if (db.snapshot !== null) db.snapshot.beforeWrite(db, key);
  if (b.dst === null) {
    if (b.count !== -1) {
      server.propagate(db.id, [
        b.wherefrom === LIST_HEAD ? 'LPOP' : 'RPOP',
        key,
        String(Math.min(b.count, l.length)),
      ]);
      popRangeWithKey(c, db, l, key, b.wherefrom, b.count);
      return true;
    }
    server.propagate(db.id, [b.wherefrom === LIST_HEAD ? 'LPOP' : 'RPOP', key]);
    c.out.array(2);
    c.out.bulk(key);
    l.writeRange(c.out, b.wherefrom === LIST_HEAD ? 0 : l.length - 1, 1);
    dropRange(l, b.wherefrom, 1);
    server.notifyKeyspaceEvent(NOTIFY_LIST, b.wherefrom === LIST_HEAD ? 'lpop' : 'rpop', key, db.id);
  } else {
    const dobj = writeList(c, db, b.dst);
    if (dobj !== undefined) {
      const value = l.pop(b.wherefrom)!;
      lmoveHandlePush(c, db, b.dst, dobj, value, b.whereto);
      if (b.rpoplpush) server.propagate(db.id, ['RPOPLPUSH', key, b.dst]);
      // Redis 7.0 spells the sides in lowercase here (shared.left/right), unlike LMOVE's rewrite.
      else
        server.propagate(db.id, [
          'LMOVE',
          key,
          b.dst,
          sideName(b.wherefrom).toLowerCase(),
          sideName(b.whereto).toLowerCase(),
        ]);
      server.notifyKeyspaceEvent(NOTIFY_LIST, b.wherefrom === LIST_TAIL ? 'rpop' : 'lpop', key, db.id);
    }
  }
  if (l.length === 0) {
    db.delete(key);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  return true;
}

const LIST_BLOCK: BlockHandler = { type: 'list', serve: serveBlockedOnList };

/**
 * blockingPopGenericCommand: BLPOP/BRPOP (count -1) and BLMPOP. Pops from the first non-empty
 * list like LPOP/RPOP (propagated as such), else blocks on all the keys.
 */
function blockingPopGeneric(
  c: Client,
  argv: string[],
  keys: string[],
  where: number,
  timeoutIdx: number,
  count: number,
): void {
  const timeout = parseTimeout(c, argv[timeoutIdx]);
  if (timeout === null) return;
  const db = c.db;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    const l = writeList(c, db, key);
    if (l === undefined) return;
    if (l === null || l.length === 0) continue;
    if (count !== -1) {
      const n = popRangeWithKey(c, db, l, key, where, count);
      c.server.propagate(db.id, [where === LIST_HEAD ? 'LPOP' : 'RPOP', key, String(n)]);
      return;
    }
    c.out.array(2);
    c.out.bulk(key);
    l.writeRange(c.out, where === LIST_HEAD ? 0 : l.length - 1, 1);
    dropRange(l, where, 1);
    listElementsRemoved(c, db, key, where, l, 1);
    c.server.propagate(db.id, [where === LIST_HEAD ? 'LPOP' : 'RPOP', key]);
    return;
  }
  // Inside MULTI/EXEC or a script the command cannot block: it answers as on timeout.
  if (!mayBlock(c)) {
    c.out.nullArray();
    return;
  }
  const arg: ListBlock = { wherefrom: where, whereto: LIST_HEAD, dst: null, count, rpoplpush: false };
  c.server.blocking.blockForKeys(c, keys, timeout, LIST_BLOCK, arg);
}

function blpopCommand(c: Client, argv: string[]): void {
  blockingPopGeneric(c, argv, argv.slice(1, argv.length - 1), LIST_HEAD, argv.length - 1, -1);
}

function brpopCommand(c: Client, argv: string[]): void {
  blockingPopGeneric(c, argv, argv.slice(1, argv.length - 1), LIST_TAIL, argv.length - 1, -1);
}

function blmpopCommand(c: Client, argv: string[]): void {
  lmpopGeneric(c, argv, 2, true);
}

/** blmoveGenericCommand: LMOVE when the source has elements, else block on it. */
function blmoveGeneric(
  c: Client,
  argv: string[],
  wherefrom: number,
  whereto: number,
  timeout: number,
  rpoplpush: boolean,
): void {
  const db = c.db;
  const src = writeList(c, db, argv[1]);
  if (src === undefined) return;
  if (src !== null) {
    lmoveGeneric(c, argv, wherefrom, whereto, rpoplpush ? 'RPOPLPUSH' : 'LMOVE');
    return;
  }
  // Blocking against an empty list inside MULTI/EXEC returns at once (a null bulk, as 7.0).
  if (!mayBlock(c)) {
    c.out.nullBulk();
    return;
  }
  const arg: ListBlock = { wherefrom, whereto, dst: argv[2], count: -1, rpoplpush };
  c.server.blocking.blockForKeys(c, [argv[1]], timeout, LIST_BLOCK, arg);
}

function blmoveCommand(c: Client, argv: string[]): void {
  const wherefrom = positionArg(c, argv[3]);
  if (wherefrom === -1) return;
  const whereto = positionArg(c, argv[4]);
  if (whereto === -1) return;
  const timeout = parseTimeout(c, argv[5]);
  if (timeout === null) return;
  blmoveGeneric(c, argv, wherefrom, whereto, timeout, false);
}

function brpoplpushCommand(c: Client, argv: string[]): void {
  const timeout = parseTimeout(c, argv[3]);
  if (timeout === null) return;
  blmoveGeneric(c, argv, LIST_TAIL, LIST_HEAD, timeout, true);
}

// ---- Table -------------------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  firstKey: number,
  lastKey: number,
  handler: CommandSpec['handler'],
  acl: string[] = ['list'],
): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, step: firstKey === 0 ? 0 : 1, acl, handler };
}

export const specs: CommandSpec[] = [
  spec('lpush', -3, ['write', 'denyoom', 'fast'], 1, 1, lpushCommand),
  spec('rpush', -3, ['write', 'denyoom', 'fast'], 1, 1, rpushCommand),
  spec('lpushx', -3, ['write', 'denyoom', 'fast'], 1, 1, lpushxCommand),
  spec('rpushx', -3, ['write', 'denyoom', 'fast'], 1, 1, rpushxCommand),
  spec('lpop', -2, ['write', 'fast'], 1, 1, lpopCommand),
  spec('rpop', -2, ['write', 'fast'], 1, 1, rpopCommand),
  spec('llen', 2, ['readonly', 'fast'], 1, 1, llenCommand),
  spec('lrange', 4, ['readonly'], 1, 1, lrangeCommand),
  spec('lindex', 3, ['readonly'], 1, 1, lindexCommand),
  spec('lset', 4, ['write', 'denyoom'], 1, 1, lsetCommand),
  spec('linsert', 5, ['write', 'denyoom'], 1, 1, linsertCommand),
  spec('lrem', 4, ['write'], 1, 1, lremCommand),
  spec('ltrim', 4, ['write'], 1, 1, ltrimCommand),
  spec('lpos', -3, ['readonly'], 1, 1, lposCommand),
  spec('lmove', 5, ['write', 'denyoom'], 1, 2, lmoveCommand),
  spec('rpoplpush', 3, ['write', 'denyoom'], 1, 2, rpoplpushCommand),
  spec('lmpop', -4, ['write', 'movablekeys'], 0, 0, lmpopCommand),
  spec('blpop', -3, ['write', 'noscript', 'blocking'], 1, -2, blpopCommand),
  spec('brpop', -3, ['write', 'noscript', 'blocking'], 1, -2, brpopCommand),
  spec('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], 1, 2, blmoveCommand),
  spec('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], 1, 2, brpoplpushCommand),
  spec('blmpop', -5, ['write', 'blocking', 'movablekeys'], 0, 0, blmpopCommand),
];
