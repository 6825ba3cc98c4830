/**
 * CLIENT subcommands (networking.c clientCommand), as Redis 7.0.15, plus CLIENT SETINFO and
 * CLIENT NO-TOUCH from Redis 7.2. TRACKING, CACHING and TRACKINGINFO are in tracking.ts.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { User } from '../server/acl.js';
import {
  CLIENT_BLOCKED,
  CLIENT_CLOSE_AFTER_REPLY,
  CLIENT_NO_EVICT,
  CLIENT_NO_TOUCH,
  CLIENT_TRACKING,
  ERR_CLIENT_NAME,
  REPLY_OFF,
  REPLY_SKIP,
  REPLY_SKIP_NEXT,
  clientInfoString,
  clientTypeByName,
  getClientType,
  setClientName,
  validClientAttr,
  type ClientType,
} from '../server/client.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, eq } from './util.js';
import { parseInt64 } from '../util/numbers.js';
import { clientCachingCommand, clientTrackingCommand, clientTrackinginfoCommand } from './tracking.js';

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  // Redis 7.2
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  // Redis 7.2
  'NO-TOUCH (ON|OFF)',
  '    Will not touch LRU/LFU stats when this mode is on.',
  'HELP',
  '    Prints this help.',
];

/** addReplySubcommandSyntaxError: the error for a known subcommand with a bad argument count. */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function clientHelpCommand(c: Client): void {
  c.out.array(HELP.length);
  for (const line of HELP) c.out.status(line);
}

function clientIdCommand(c: Client): void {
  c.out.integer(c.id);
}

function clientInfoCommand(c: Client): void {
  c.out.verbatim(clientInfoString(c, c.server.cmdTime) + '\n');
}

/** CLIENT LIST [TYPE type] | [ID id ...] */
function clientListCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const now = server.cmdTime;
  let out = '';
  if (argv.length === 4 && eq(argv[2], 'type')) {
    const type = clientTypeByName(argv[3]);
    if (type === null) {
      c.error(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
    for (const cl of server.clients.values()) {
      if (getClientType(cl) === type) out += clientInfoString(cl, now) + '\n';
    }
  } else if (argv.length > 3 && eq(argv[2], 'id')) {
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j]);
      if (id === null) {
        c.error('ERR Invalid client ID');
        return;
      }
      const cl = typeof id === 'number' ? server.clients.get(id) : undefined;
      if (cl !== undefined) out += clientInfoString(cl, now) + '\n';
    }
  } else if (argv.length !== 2) {
    c.error(ERR_SYNTAX);
    return;
  } else {
    for (const cl of server.clients.values()) out += clientInfoString(cl, now) + '\n';
  }
  c.out.verbatim(out);
}

/** CLIENT REPLY ON|OFF|SKIP: the dispatcher applies the mode (see applyReplyMode). */
function clientReplyCommand(c: Client, argv: string[]): void {
  const mode = argv[2];
  if (eq(mode, 'on')) {
    c.replyMode &= ~(REPLY_SKIP | REPLY_OFF);
    c.out.ok();
  } else if (eq(mode, 'off')) {
    c.replyMode |= REPLY_OFF;
  } else if (eq(mode, 'skip')) {
    if ((c.replyMode & REPLY_OFF) === 0) c.replyMode |= REPLY_SKIP_NEXT;
  } else {
    c.error(ERR_SYNTAX);
  }
}

/** CLIENT NO-EVICT / NO-TOUCH ON|OFF */
function onOffFlag(c: Client, arg: string, flag: number): void {
  if (eq(arg, 'on')) {
    c.flags |= flag;
    c.out.ok();
  } else if (eq(arg, 'off')) {
    c.flags &= ~flag;
    c.out.ok();
  } else {
    c.error(ERR_SYNTAX);
  }
}

function clientNoEvictCommand(c: Client, argv: string[]): void {
  onOffFlag(c, argv[2], CLIENT_NO_EVICT);
}

/** Redis 7.2: while on, the client's reads do not update the keys' LRU clock. */
function clientNoTouchCommand(c: Client, argv: string[]): void {
  onOffFlag(c, argv[2], CLIENT_NO_TOUCH);
}

/**
 * CLIENT KILL addr (old form: "No such client" or OK, may kill the caller) or
 * CLIENT KILL <filter> <value> ... (new form: the number killed; SKIPME defaults to yes).
 * The caller, when it matches, is closed after this reply.
 */
function clientKillCommand(c: Client, argv: string[]): void {
  const server = c.server;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let killUser: User | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let maxAge = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2];
    skipme = false;
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i];
      const more = i + 1 < argv.length;
      if (more && eq(opt, 'id')) {
        const v = parseInt64(argv[i + 1]);
        if (v === null || v < 1) {
          c.error('ERR client-id should be greater than 0');
          return;
        }
        id = Number(v);
      } else if (more && eq(opt, 'maxage')) {
        // Redis 7.4: clients connected for at least this many seconds.
        const v = parseInt64(argv[i + 1]);
        if (v === null) {
          c.error('ERR maxage is not an integer or out of range');
          return;
        }
        if (v <= 0) {
          c.error('ERR maxage should be greater than 0');
          return;
        }
        maxAge = Number(v);
      } else if (more && eq(opt, 'type')) {
        type = clientTypeByName(argv[i + 1]);
        if (type === null) {
          c.error(`ERR Unknown client type '${argv[i + 1]}'`);
          return;
        }
      } else if (more && eq(opt, 'addr')) {
        addr = argv[i + 1];
      } else if (more && eq(opt, 'laddr')) {
        laddr = argv[i + 1];
      } else if (more && eq(opt, 'user')) {
        user = argv[i + 1];
        killUser = c.server.acl.getUser(user) ?? null;
        if (killUser === null) {
          c.error(`ERR No such user '${user}'`);
          return;
        }
      } else if (more && eq(opt, 'skipme')) {
        const v = argv[i + 1];
        if (eq(v, 'yes')) skipme = true;
        else if (eq(v, 'no')) skipme = false;
        else {
          c.error(ERR_SYNTAX);
          return;
        }
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
  }
  let killed = 0;
  let closeSelf = false;
  const nowSec = Math.floor(server.cmdTime / 1000);
  for (const cl of [...server.clients.values()]) {
    if (maxAge !== 0 && nowSec - Math.floor(cl.ctime / 1000) < maxAge) continue;
    if (addr !== null && cl.addr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== null && getClientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (killUser !== null && cl.aclUser !== killUser) continue;
    if (cl === c && skipme) continue;
    if (cl === c) closeSelf = true;
    else server.freeClient(cl);
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) {
      c.error('ERR No such client');
      return;
    }
    c.out.ok();
  } else {
    c.out.integer(killed);
  }
  if (closeSelf) c.flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when a client blocked on keys was woken, else 0. */
function clientUnblockCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let withError = false;
  if (argv.length === 4) {
    if (eq(argv[3], 'timeout')) withError = false;
    else if (eq(argv[3], 'error')) withError = true;
    else {
      c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseInt64(argv[2]);
  if (id === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  const target = typeof id === 'number' ? c.server.clients.get(id) : undefined;
  // A client held by CLIENT PAUSE is not blocked on anything CLIENT UNBLOCK can end.
  if (
    target !== undefined &&
    (target.flags & CLIENT_BLOCKED) !== 0 &&
    target.postponed === null &&
    target.unblockHandler !== null
  ) {
    target.unblockHandler(target, withError);
    c.out.integer(1);
  } else {
    c.out.integer(0);
  }
}

function clientSetnameCommand(c: Client, argv: string[]): void {
  if (!setClientName(c, argv[2])) {
    c.error(ERR_CLIENT_NAME);
    return;
  }
  c.out.ok();
}

function clientGetnameCommand(c: Client): void {
  c.out.bulkOrNull(c.name);
}

/** Redis 7.2: CLIENT SETINFO LIB-NAME|LIB-VER value ('' clears it). */
function clientSetinfoCommand(c: Client, argv: string[]): void {
  const attr = argv[2];
  const val = argv[3];
  const isName = eq(attr, 'lib-name');
  if (!isName && !eq(attr, 'lib-ver')) {
    c.error(`ERR Unrecognized option '${attr}'`);
    return;
  }
  if (!validClientAttr(val)) {
    c.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
    return;
  }
  if (isName) c.libName = val;
  else c.libVer = val;
  c.out.ok();
}

/** CLIENT PAUSE timeout-ms [WRITE|ALL] */
function clientPauseCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let writesOnly = false;
  if (argv.length === 4) {
    if (eq(argv[3], 'write')) writesOnly = true;
    else if (!eq(argv[3], 'all')) {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const ms = parseInt64(argv[2]);
  if (ms === null) {
    c.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (ms < 0) {
    c.error('ERR timeout is negative');
    return;
  }
  const now = c.server.clock();
  c.server.pause(ms === 0 ? 0 : now + Number(ms), writesOnly);
  c.out.ok();
}

function clientUnpauseCommand(c: Client): void {
  c.server.unpause();
  c.out.ok();
}

function clientGetredirCommand(c: Client): void {
  c.out.integer(c.flags & CLIENT_TRACKING ? c.trackingRedirect : -1);
}

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
  since?: string,
): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, acl: ['connection'], handler, since };
}

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandSpec['flags'] = ['noscript', 'loading', 'stale'];

export const specs: CommandSpec[] = [
  {
    name: 'client',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      sub('help', 2, ['loading', 'stale'], clientHelpCommand),
      sub('id', 2, PLAIN, clientIdCommand),
      sub('info', 2, PLAIN, clientInfoCommand),
      sub('list', -2, ADMIN, clientListCommand),
      sub('reply', 3, PLAIN, clientReplyCommand),
      sub('no-evict', 3, ADMIN, clientNoEvictCommand),
      sub('no-touch', 3, PLAIN, clientNoTouchCommand, '7.2.0'),
      sub('kill', -3, ADMIN, clientKillCommand),
      sub('unblock', -3, ADMIN, clientUnblockCommand),
      sub('setname', 3, PLAIN, clientSetnameCommand),
      sub('getname', 2, PLAIN, clientGetnameCommand),
      sub('setinfo', 4, PLAIN, clientSetinfoCommand, '7.2.0'),
      sub('pause', -3, ADMIN, clientPauseCommand),
      sub('unpause', 2, ADMIN, clientUnpauseCommand),
      sub('getredir', 2, PLAIN, clientGetredirCommand),
      sub('tracking', -3, PLAIN, clientTrackingCommand),
      sub('caching', 3, PLAIN, clientCachingCommand),
      sub('trackinginfo', 2, PLAIN, clientTrackinginfoCommand),
    ],
  },
];
