/**
 * Connection commands: PING, ECHO, QUIT, SELECT (completed with HELLO, AUTH, RESET).
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_PUBSUB } from '../server/client.js';
import { ERR_DB_INDEX, ERR_NOT_INTEGER } from './util.js';
import { parseInt64 } from '../util/numbers.js';

function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error(`ERR wrong number of arguments for 'ping' command`);
    return;
  }
  if ((c.flags & CLIENT_PUBSUB) !== 0 && c.proto === 2) {
    c.out.array(2);
    c.out.bulk('pong');
    c.out.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.out.bulk(argv[1]);
  else c.out.raw('+PONG\r\n');
}

function echoCommand(c: Client, argv: string[]): void {
  c.out.bulk(argv[1]);
}

function quitCommand(c: Client): void {
  c.out.ok();
  c.flags |= CLIENT_CLOSE_AFTER_REPLY;
}

function selectCommand(c: Client, argv: string[]): void {
  const id = parseInt64(argv[1]);
  if (id === null || typeof id === 'bigint' || id < -2147483648 || id > 2147483647) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  c.db = c.server.dbs[id];
  c.out.ok();
}

export const specs: CommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast', 'sentinel'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: pingCommand,
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: echoCommand,
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: quitCommand,
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: selectCommand,
  },
];
