/**
 * Persistence commands: SAVE, BGSAVE, LASTSAVE (rdb.c), DUMP and RESTORE (cluster.c), and
 * the DEBUG subcommands that belong to persistence: RELOAD, DIGEST, DIGEST-VALUE (debug.c).
 */
import type { CommandSpec } from './types.js';
import { CLIENT_IN_EXEC, type Client } from '../server/client.js';
import { NOTIFY_GENERIC } from '../server/notify.js';
import { ERR_SYNTAX, int64Arg, eq } from './util.js';
import {
  createDumpPayload,
  isObjectType,
  loadObject,
  RdbError,
  RdbParser,
  verifyDumpPayload,
} from '../persistence/rdb.js';
import { FormatError } from '../persistence/listpack.js';
import { applyLruLfu, loadContext } from '../persistence/load.js';
import { datasetDigest, valueDigest } from '../persistence/digest.js';
import { flushFunctions } from '../persistence/functions-hook.js';

function saveCommand(c: Client): void {
  const rdb = c.server.rdb;
  if (rdb.bgsaveInProgress) {
    c.error('ERR Background save already in progress');
    return;
  }
  if (rdb.saveSync()) c.out.ok();
  else c.error('ERR');
}

function bgsaveCommand(c: Client, argv: string[]): void {
  if (argv.length > 1 && !(argv.length === 2 && eq(argv[1], 'schedule'))) {
    c.error(ERR_SYNTAX);
    return;
  }
  const rdb = c.server.rdb;
  if (rdb.bgsaveInProgress) {
    c.error('ERR Background save already in progress');
    return;
  }
  // The AOF rewrite is Redis's other child: one at a time.
  if (c.server.aof.rewriteInProgress || (c.flags & CLIENT_IN_EXEC) !== 0) {
    if (argv.length === 2 || (c.flags & CLIENT_IN_EXEC) !== 0) {
      rdb.bgsaveScheduled = true;
      c.out.status('Background saving scheduled');
    } else
      c.error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
    return;
  }
  if (rdb.startBgsave()) c.out.status('Background saving started');
  else c.error('ERR');
}

/** BGREWRITEAOF: a fork-less rewrite in time slices (aof.ts); scheduled while a BGSAVE runs. */
function bgrewriteaofCommand(c: Client): void {
  const r = c.server.aof.bgrewriteaof((c.flags & CLIENT_IN_EXEC) !== 0);
  if ('status' in r) c.out.status(r.status);
  else c.error(r.error);
}

function lastsaveCommand(c: Client): void {
  c.out.integer(c.server.lastSaveTime);
}

function dumpCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) {
    c.out.nullBulk();
    return;
  }
  const payload = createDumpPayload(v, c.db.strings, { compression: c.server.config.bool('rdbcompression') });
  c.out.bulk(payload.latin1Slice(0, payload.length));
}

function restoreCommand(c: Client, argv: string[]): void {
  const server = c.server;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const a = argv[j];
    if (eq(a, 'replace')) replace = true;
    else if (eq(a, 'absttl')) absttl = true;
    else if (eq(a, 'idletime') && more >= 1 && freq === -1) {
      const v = int64Arg(c, argv[j + 1]);
      if (v === null) return;
      if (v < 0) {
        c.error('ERR Invalid IDLETIME value, must be >= 0');
        return;
      }
      idle = Number(v);
      j++;
    } else if (eq(a, 'freq') && more >= 1 && idle === -1) {
      const v = int64Arg(c, argv[j + 1]);
      if (v === null) return;
      if (v < 0 || v > 255) {
        c.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
        return;
      }
      freq = Number(v);
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1];
  const db = c.db;
  if (!replace && db.lookupWrite(key) !== undefined) {
    c.error('BUSYKEY Target key name already exists.');
    return;
  }
  const ttlArg = int64Arg(c, argv[2]);
  if (ttlArg === null) return;
  if (ttlArg < 0) {
    c.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload, false)) {
    c.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  let value;
  try {
    const p = new RdbParser(payload, 0, payload.length - 10);
    const type = p.byte();
    value = isObjectType(type) ? loadObject(p, type, loadContext(server), key) : null;
  } catch (e) {
    if (!(e instanceof RdbError || e instanceof FormatError || e instanceof RangeError)) throw e;
    value = null;
  }
  if (value === null) {
    c.error('ERR Bad data format');
    return;
  }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  let ttl: number | bigint = ttlArg;
  if (ttl !== 0 && !absttl)
    ttl = typeof ttl === 'bigint' ? ttl + BigInt(server.cmdTime) : ttl + server.cmdTime;
  if (ttl !== 0 && ttl !== 0n && Number(ttl) <= server.cmdTime) {
    // Already expired: nothing is created; a replaced key is deleted (propagated as DEL).
    if (typeof value === 'number') db.strings.free(value);
    if (deleted) {
      server.propagate(db.id, ['DEL', key]);
      server.keyModified(db, key, NOTIFY_GENERIC, 'del');
    }
    c.out.ok();
    return;
  }
  db.add(key, value);
  applyLruLfu(server, value, idle, freq);
  const rewritten = argv.slice();
  if (ttl !== 0 && ttl !== 0n) {
    db.setExpire(key, ttl);
    if (!absttl) {
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
    }
  }
  server.propagate(db.id, rewritten);
  server.keyModified(db, key, NOTIFY_GENERIC, 'restore');
  c.out.ok();
}

/** DEBUG RELOAD / DIGEST / DIGEST-VALUE; false when the subcommand is not one of them. */
export function debugPersistence(c: Client, argv: string[]): boolean {
  const sub = argv[1].toLowerCase();
  const server = c.server;
  if (sub === 'digest' && argv.length === 2) {
    c.out.status(datasetDigest(server.dbs));
    return true;
  }
  if (sub === 'digest-value' && argv.length >= 2) {
    c.out.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) c.out.status(valueDigest(c.db, argv[j]));
    return true;
  }
  if (sub === 'reload') {
    let flush = true;
    let save = true;
    let merge = false;
    for (let j = 2; j < argv.length; j++) {
      const o = argv[j].toLowerCase();
      if (o === 'merge') merge = true;
      else if (o === 'noflush') flush = false;
      else if (o === 'nosave') save = false;
      else {
        c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
        return true;
      }
    }
    const rdb = server.rdb;
    rdb.killBgsave();
    if (save && !rdb.saveSync()) {
      c.error('ERR');
      return true;
    }
    if (flush) {
      for (const db of server.dbs) db.flush(false);
      server.strings.clear();
      server.signalFlushedDb(-1);
      flushFunctions(server);
    }
    try {
      rdb.loadFile(server.config.resolvePath(server.config.str('dbfilename')), false, merge);
    } catch {
      c.error('ERR Error trying to load the RDB dump, check server logs.');
      return true;
    }
    server.log.warning('DB reloaded by DEBUG RELOAD');
    c.out.ok();
    return true;
  }
  return false;
}

export const specs: CommandSpec[] = [
  {
    name: 'save',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: saveCommand,
    since: '1.0.0',
    summary: 'Synchronously save the dataset to disk',
    group: 'server',
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: bgsaveCommand,
    since: '1.0.0',
    summary: 'Asynchronously save the dataset to disk',
    group: 'server',
  },
  {
    name: 'bgrewriteaof',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: bgrewriteaofCommand,
    since: '1.0.0',
    summary: 'Asynchronously rewrite the append-only file',
    group: 'server',
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['admin', 'dangerous'],
    handler: lastsaveCommand,
    since: '1.0.0',
    summary: 'Get the UNIX time stamp of the last successful save to disk',
    group: 'server',
  },
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['keyspace'],
    handler: dumpCommand,
    since: '2.6.0',
    summary: 'Return a serialized version of the value stored at the specified key.',
    group: 'generic',
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['keyspace', 'dangerous'],
    handler: restoreCommand,
    since: '2.6.0',
    summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
    group: 'generic',
  },
];
