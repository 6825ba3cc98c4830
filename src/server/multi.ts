/**
 * MULTI/EXEC state and WATCH (Redis 7.0's multi.c): the per-client queue of commands and
 * the watched-keys table.
 *
 * WATCH keeps, per database, key -> the WatchedKey entries of the clients watching it, and
 * per client the list of its entries, so that a write (`server.signalModifiedKey`) marks the
 * watchers CLIENT_DIRTY_CAS in O(watchers) and UNWATCH/EXEC/disconnect unlink a client in
 * O(its keys). As in 7.0, a key that was already logically expired when WATCHed (still in
 * the dict, TTL passed) is flagged `expired`: its deletion by expiry is no change, and EXEC
 * does not fail because it is expired; any other key found expired at EXEC fails it.
 */
import type { CommandSpec } from '../commands/types.js';
import type { Database } from '../store/database.js';
import {
  type Client,
  CLIENT_DIRTY_CAS,
  CLIENT_DIRTY_EXEC,
  CLIENT_MULTI,
  clientResetHooks,
} from './client.js';

/** One command queued between MULTI and EXEC. */
export interface QueuedCommand {
  cmd: CommandSpec;
  argv: string[];
}

/** A key watched by a client (Redis's watchedKey). */
export class WatchedKey {
  constructor(
    readonly c: Client,
    readonly db: Database,
    readonly key: string,
    /** The key was already expired (but not deleted) when WATCHed. */
    public expired: boolean,
  ) {}
}

/** sizeof(robj*) per argument, as Redis counts multi-mem (argv_len_sums). */
const POINTER_SIZE = 8;

/** Queues the command c is running into its transaction (queueMultiCommand). */
export function queueMultiCommand(c: Client, cmd: CommandSpec, argv: string[]): void {
  // An aborted transaction keeps no memory for its commands (still answered QUEUED).
  if ((c.flags & CLIENT_DIRTY_EXEC) !== 0) return;
  let q = c.mstate;
  if (q === null) q = c.mstate = [];
  q.push({ cmd, argv });
  c.multiCount++;
  let mem = POINTER_SIZE * argv.length;
  for (let i = 0; i < argv.length; i++) mem += argv[i].length;
  c.multiMem += mem;
  c.multiCmdFlags |=
    cmd.dynamicFlags !== undefined ? cmd.dynamicFlags(c, argv, cmd.flagBits!) : cmd.flagBits!;
}

/** Marks the transaction as failed, if any, so that EXEC answers EXECABORT (flagTransaction). */
export function flagTransaction(c: Client): void {
  if ((c.flags & CLIENT_MULTI) !== 0) c.flags |= CLIENT_DIRTY_EXEC;
}

/** Drops the queue and the MULTI flags, and unwatches everything (discardTransaction). */
export function discardTransaction(c: Client): void {
  c.mstate = null;
  c.multiCount = 0;
  c.multiMem = 0;
  c.multiCmdFlags = 0;
  c.flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
  unwatchAllKeys(c);
}

/** Per database: key -> entries of the clients watching it. */
const tables = new WeakMap<Database, Map<string, WatchedKey[]>>();
/** Entries in all the tables: while 0, a key modification skips the table lookup. */
let watchEntries = 0;

/** Whether c's hooks (disconnect) are registered. */
const registered = new WeakSet<Client>();

function onClientGone(c: Client): void {
  unwatchAllKeys(c);
  c.mstate = null;
}

/** WATCH of one key in c's selected database (watchForKey). */
export function watchForKey(c: Client, key: string): void {
  const db = c.db;
  let list = c.watchedKeys;
  if (list === null) list = c.watchedKeys = [];
  for (let i = 0; i < list.length; i++) if (list[i].db === db && list[i].key === key) return;
  let table = tables.get(db);
  if (table === undefined) {
    table = new Map();
    tables.set(db, table);
  }
  let watchers = table.get(key);
  if (watchers === undefined) {
    watchers = [];
    table.set(key, watchers);
  }
  const wk = new WatchedKey(c, db, key, db.dict.has(key) && db.isExpired(key));
  watchers.push(wk);
  watchEntries++;
  list.push(wk);
  if (!registered.has(c)) {
    registered.add(c);
    c.onClose.push(onClientGone);
  }
}

/** Forgets every key c watches (unwatchAllKeys); clearing DIRTY_CAS is the caller's business. */
export function unwatchAllKeys(c: Client): void {
  const list = c.watchedKeys;
  if (list === null || list.length === 0) return;
  c.watchedKeys = null;
  for (let i = 0; i < list.length; i++) {
    const wk = list[i];
    const table = tables.get(wk.db);
    const watchers = table?.get(wk.key);
    if (watchers === undefined) continue;
    const at = watchers.indexOf(wk);
    if (at !== -1) {
      watchers[at] = watchers[watchers.length - 1];
      watchers.pop();
      watchEntries--;
    }
    if (watchers.length === 0) table!.delete(wk.key);
  }
}

/** Number of keys c watches. */
export function watchedKeyCount(c: Client): number {
  return c.watchedKeys === null ? 0 : c.watchedKeys.length;
}

/** A key c watches (not one already expired at WATCH time) is now logically expired. */
export function isWatchedKeyExpired(c: Client): boolean {
  const list = c.watchedKeys;
  if (list === null) return false;
  for (let i = 0; i < list.length; i++) {
    const wk = list[i];
    if (!wk.expired && wk.db.isExpired(wk.key)) return true;
  }
  return false;
}

function markDirty(c: Client): void {
  c.flags |= CLIENT_DIRTY_CAS;
  // Nothing more can happen to a dirty transaction: stop watching at once.
  unwatchAllKeys(c);
}

/** key of db was modified: its watchers' next EXEC fails (touchWatchedKey). */
export function touchWatchedKey(db: Database, key: string): void {
  if (watchEntries === 0) return;
  const table = tables.get(db);
  if (table === undefined || table.size === 0) return;
  const watchers = table.get(key);
  if (watchers === undefined) return;
  // markDirty edits the list: walk a copy.
  const copy = watchers.slice();
  for (let i = 0; i < copy.length; i++) {
    const wk = copy[i];
    if (wk.expired && !db.dict.has(key)) {
      // An expired key was deleted: logically nothing changed. Deleted keys are not expired.
      wk.expired = false;
      continue;
    }
    markDirty(wk.c);
  }
}

/**
 * FLUSHDB/FLUSHALL (replacedWith null) and SWAPDB (replacedWith: the data the database gets)
 * before `emptied`'s data goes: watchers of keys that exist in either fail
 * (touchAllWatchedKeysInDb). `watchDb` is the database whose watchers are checked.
 */
export function touchAllWatchedKeysInDb(
  watchDb: Database,
  emptied: Database,
  replacedWith: Database | null,
): void {
  const table = tables.get(watchDb);
  if (table === undefined || table.size === 0) return;
  const dirty: Client[] = [];
  for (const [key, watchers] of table) {
    const existsInEmptied = emptied.dict.has(key);
    const existsInReplacement = replacedWith !== null && replacedWith.dict.has(key);
    if (!existsInEmptied && !existsInReplacement) continue;
    for (let i = 0; i < watchers.length; i++) {
      const wk = watchers[i];
      if (wk.expired) {
        if (!existsInReplacement) {
          wk.expired = false;
          continue;
        }
        if (replacedWith!.isExpired(key)) continue;
      } else if (!existsInEmptied && replacedWith!.isExpired(key)) {
        // A missing key replaced by an expired one: still logically missing.
        wk.expired = true;
        continue;
      }
      dirty.push(wk.c);
    }
  }
  for (let i = 0; i < dirty.length; i++) markDirty(dirty[i]);
}

// RESET drops the transaction and the watched keys silently.
clientResetHooks.push(discardTransaction);
