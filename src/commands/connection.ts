/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET (networking.c, acl.c).
 *
 * Authentication checks ACL users (server/acl.ts); `requirepass` is the default user's
 * password.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import {
  CLIENT_CLOSE_AFTER_REPLY,
  CLIENT_DIRTY_CAS,
  CLIENT_DIRTY_EXEC,
  CLIENT_MASTER,
  CLIENT_MONITOR,
  CLIENT_MULTI,
  CLIENT_NO_TOUCH,
  CLIENT_PUBSUB,
  CLIENT_READONLY,
  CLIENT_SLAVE,
  CLIENT_TRACKING,
  ERR_CLIENT_NAME,
  REPLY_OFF,
  REPLY_SKIP_NEXT,
  clientResetHooks,
  setClientName,
} from '../server/client.js';
import { REDIS_VERSION } from '../server/server.js';
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX, eq } from './util.js';
import { parseInt64 } from '../util/numbers.js';
import { setClientUser } from '../server/acl.js';

export const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const ERR_AUTH_NOPASS =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const ERR_HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const ERR_INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';

/**
 * Checks a username/password pair and, when it is right, logs the client in as that user
 * (ACLAuthenticateUser); a failure is recorded in ACL LOG.
 */
export function authenticateUser(c: Client, user: string, pass: string): boolean {
  return c.server.acl.authenticate(c, user, pass);
}

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
  if (id === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (id < -2147483648 || id > 2147483647) {
    c.error(ERR_INT_RANGE);
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  c.db = c.server.dbs[Number(id)];
  c.out.ok();
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function helloCommand(c: Client, argv: string[]): void {
  let ver = 0;
  let j = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[1]);
    j = 2;
    if (v === null) {
      c.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v < 2 || v > 3) {
      c.error('NOPROTO unsupported protocol version');
      return;
    }
    ver = Number(v);
  }
  // Redis 7.0 applies each option as it parses it: a later bad option or failed check does
  // not undo an earlier AUTH or SETNAME.
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j];
    if (eq(opt, 'auth') && more >= 2) {
      c.redactArgument(j + 1);
      c.redactArgument(j + 2);
      if (!authenticateUser(c, argv[j + 1], argv[j + 2])) {
        c.error(ERR_WRONGPASS);
        return;
      }
      j += 2;
    } else if (eq(opt, 'setname') && more >= 1) {
      if (!setClientName(c, argv[j + 1])) {
        c.error(ERR_CLIENT_NAME);
        return;
      }
      j++;
    } else {
      c.error(`ERR Syntax error in HELLO option '${opt}'`);
      return;
    }
  }
  if (c.authRequired()) {
    c.error(ERR_HELLO_NOAUTH);
    return;
  }
  if (ver !== 0) c.out.proto = ver as 2 | 3;
  const out = c.out;
  out.map(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(REDIS_VERSION);
  out.bulk('proto');
  out.integer(c.proto);
  out.bulk('id');
  out.integer(c.id);
  out.bulk('mode');
  out.bulk('standalone');
  out.bulk('role');
  out.bulk('master');
  out.bulk('modules');
  out.array(0);
}

/** AUTH [username] password */
function authCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  c.redactArgument(1);
  if (argv.length === 3) c.redactArgument(2);
  let user = 'default';
  let pass: string;
  if (argv.length === 2) {
    // The one-argument form is an error while the default user has no password.
    if (c.server.acl.defaultUser.nopass) {
      c.error(ERR_AUTH_NOPASS);
      return;
    }
    pass = argv[1];
  } else {
    user = argv[1];
    pass = argv[2];
  }
  if (authenticateUser(c, user, pass)) c.out.ok();
  else c.error(ERR_WRONGPASS);
}

/**
 * Puts a connection back in the state of a new one (clearClientConnectionState): db 0,
 * RESP2, no name, default user (logged out again when it has a password), no MONITOR,
 * MULTI, Pub/Sub or tracking state, CLIENT REPLY ON, NO-TOUCH off (as Redis 7.2). CLIENT
 * NO-EVICT stays, as in Redis 7.0 (7.2 clears it); the SETINFO attributes stay.
 */
export function clearClientConnectionState(c: Client): void {
  const server = c.server;
  if (c.flags & CLIENT_MONITOR) {
    server.monitors.delete(c);
    c.flags &= ~CLIENT_MONITOR;
  }
  for (const hook of clientResetHooks) hook(c);
  c.db = server.dbs[0];
  c.out.proto = 2;
  setClientUser(c, server.acl.defaultUser);
  c.setAuthenticated(!server.authRequired());
  c.name = null;
  c.flags &= ~(
    CLIENT_MULTI |
    CLIENT_DIRTY_CAS |
    CLIENT_DIRTY_EXEC |
    CLIENT_PUBSUB |
    CLIENT_READONLY |
    CLIENT_TRACKING |
    CLIENT_NO_TOUCH
  );
  c.multiCount = 0;
  c.multiMem = 0;
  c.multiCmdFlags = 0;
  c.trackingRedirect = -1;
  // A pending SKIP (this very command is the one skipped) stays, as in Redis.
  c.replyMode &= ~(REPLY_OFF | REPLY_SKIP_NEXT);
}

function resetCommand(c: Client): void {
  if (c.flags & (CLIENT_SLAVE | CLIENT_MASTER)) {
    c.error('ERR can only reset normal client connections');
    return;
  }
  clearClientConnectionState(c);
  c.out.status('RESET');
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
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
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
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: helloCommand,
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: authCommand,
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: resetCommand,
  },
];
