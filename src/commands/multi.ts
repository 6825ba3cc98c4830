/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0's multi.c). The queue and
 * the watched-keys table live in server/multi.ts; the dispatcher queues commands while the
 * client is in MULTI and fails the transaction when it refuses one (EXECABORT).
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import {
  CLIENT_DENY_BLOCKING,
  CLIENT_DIRTY_CAS,
  CLIENT_DIRTY_EXEC,
  CLIENT_MULTI,
  REPLY_OFF,
} from '../server/client.js';
import { call } from '../server/dispatcher.js';
import { discardTransaction, isWatchedKeyExpired, unwatchAllKeys, watchForKey } from '../server/multi.js';

function multiCommand(c: Client): void {
  if ((c.flags & CLIENT_MULTI) !== 0) {
    c.error('ERR MULTI calls can not be nested');
    return;
  }
  c.flags |= CLIENT_MULTI;
  c.out.ok();
}

function discardCommand(c: Client): void {
  if ((c.flags & CLIENT_MULTI) === 0) {
    c.error('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(c);
  c.out.ok();
}

function execCommand(c: Client): void {
  if ((c.flags & CLIENT_MULTI) === 0) {
    c.error('ERR EXEC without MULTI');
    return;
  }
  // A watched key that expired since WATCH fails the transaction too.
  if (isWatchedKeyExpired(c)) c.flags |= CLIENT_DIRTY_CAS;
  if ((c.flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) !== 0) {
    // A queuing error is an error; a touched WATCHed key is a null array, not an error.
    if ((c.flags & CLIENT_DIRTY_EXEC) !== 0)
      c.error('EXECABORT Transaction discarded because of previous errors.');
    else c.out.nullArray();
    discardTransaction(c);
    return;
  }
  const server = c.server;
  const oldFlags = c.flags;
  // Blocking commands answer as on timeout; CLIENT_MULTI stays set while the queue runs.
  c.flags |= CLIENT_DENY_BLOCKING;
  unwatchAllKeys(c);
  const queue = c.mstate;
  c.mstate = null;
  const n = queue === null ? 0 : queue.length;
  c.out.array(n);
  for (let i = 0; i < n; i++) {
    const q = queue![i];
    const mark = c.out.pos;
    call(server, c, q.cmd, q.argv);
    // CLIENT REPLY OFF inside the transaction silences what follows it at once, as in Redis.
    if ((c.replyMode & REPLY_OFF) !== 0) c.out.pos = mark;
  }
  if ((oldFlags & CLIENT_DENY_BLOCKING) === 0) c.flags &= ~CLIENT_DENY_BLOCKING;
  discardTransaction(c);
}

function watchCommand(c: Client, argv: string[]): void {
  if ((c.flags & CLIENT_MULTI) !== 0) {
    c.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  // No point in watching more once the transaction is bound to fail.
  if ((c.flags & CLIENT_DIRTY_CAS) === 0) for (let j = 1; j < argv.length; j++) watchForKey(c, argv[j]);
  c.out.ok();
}

function unwatchCommand(c: Client): void {
  unwatchAllKeys(c);
  c.flags &= ~CLIENT_DIRTY_CAS;
  c.out.ok();
}

export const specs: CommandSpec[] = [
  {
    name: 'multi',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['transaction'],
    handler: multiCommand,
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['transaction'],
    handler: execCommand,
  },
  {
    name: 'discard',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['transaction'],
    handler: discardCommand,
  },
  {
    name: 'watch',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    acl: ['transaction'],
    handler: watchCommand,
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['transaction'],
    handler: unwatchCommand,
  },
];
