/**
 * The dispatcher: Redis's processCommand + call. Looks the command up in the table, checks
 * arity, authentication and context, runs the handler synchronously with a frozen `now`,
 * and records statistics, the slow log and MONITOR output.
 *
 * A handler that throws is a bug: the exception is logged, the client gets an ERR reply,
 * and the server carries on.
 */
import { performance } from 'node:perf_hooks';
import type { CommandSpec } from '../commands/types.js';
import { FLAG_BITS } from '../commands/types.js';
import type { Server } from './server.js';
import {
  Client,
  CLIENT_BLOCKED,
  CLIENT_MONITOR,
  CLIENT_PUBSUB,
  REPLY_ON,
  REPLY_SKIP,
  REPLY_SKIP_NEXT,
} from './client.js';

const F_NO_AUTH = FLAG_BITS.no_auth;
const F_WRITE = FLAG_BITS.write;
const F_MAY_REPLICATE = FLAG_BITS.may_replicate;
const F_SKIP_MONITOR = FLAG_BITS.skip_monitor;
const F_ADMIN = FLAG_BITS.admin;
const F_SKIP_SLOWLOG = FLAG_BITS.skip_slowlog;

/** Commands allowed in RESP2 subscribed mode. */
const PUBSUB_ALLOWED = new Set([
  'ping',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
]);

/** Looks up the command (or subcommand) that argv names, without replying. */
export function lookupCommand(server: Server, argv: string[]): CommandSpec | undefined {
  const name = argv[0];
  let cmd = server.commands.get(name);
  if (cmd === undefined) cmd = server.commands.get(name.toLowerCase());
  if (cmd === undefined || cmd.subMap === undefined || argv.length < 2) return cmd;
  return cmd.subMap.get(argv[1].toLowerCase()) ?? cmd;
}

/** An argument as C's `%.<max>s` prints it: cut at the first NUL byte and at max bytes. */
function cstr(s: string, max: number): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s.slice(0, max) : s.slice(0, Math.min(nul, max));
}

/** Redis's unknown-command text: the name and the first arguments, quoted. */
function unknownCommandError(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cstr(argv[i], 128 - args.length)}' `;
  }
  return `ERR unknown command '${cstr(argv[0], 128)}', with args beginning with: ${args}`;
}

function reject(c: Client, cmd: CommandSpec | undefined, msg: string): void {
  if (cmd?.stats) cmd.stats.rejectedCalls++;
  c.error(msg);
}

export function processCommand(server: Server, c: Client, argv: string[]): void {
  const name = argv[0];
  let cmd = server.commands.get(name);
  if (cmd === undefined) cmd = server.commands.get(name.toLowerCase());
  if (cmd === undefined) {
    reject(c, undefined, unknownCommandError(argv));
    return;
  }
  if (cmd.subMap !== undefined && argv.length >= 2) {
    const sub = cmd.subMap.get(argv[1].toLowerCase());
    if (sub === undefined) {
      reject(c, undefined, `ERR unknown subcommand '${cstr(argv[1], 128)}'. Try ${name.toUpperCase()} HELP.`);
      return;
    }
    cmd = sub;
  }
  const arity = cmd.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(c, cmd, `ERR wrong number of arguments for '${cmd.fullName}' command`);
    return;
  }
  const flags = cmd.flagBits!;
  if (!c.authenticated && (flags & F_NO_AUTH) === 0) {
    reject(c, cmd, 'NOAUTH Authentication required.');
    return;
  }
  if ((c.flags & CLIENT_PUBSUB) !== 0 && c.proto === 2) {
    const base = cmd.parent ?? cmd;
    if (!PUBSUB_ALLOWED.has(base.name)) {
      reject(
        c,
        cmd,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
  }
  // CLIENT PAUSE: hold the command (all commands, or only writes) until the pause ends.
  if (server.pauseUntil !== 0 && (c.flags & CLIENT_MONITOR) === 0) {
    if (server.clock() >= server.pauseUntil) server.unpause();
    else if (!server.pauseWritesOnly || (flags & (F_WRITE | F_MAY_REPLICATE)) !== 0) {
      c.postponed = argv;
      c.flags |= CLIENT_BLOCKED;
      server.pausedClients.push(c);
      return;
    }
  }
  call(server, c, cmd, argv);
}

/** Runs a command's handler with statistics (Redis's call()). Also used by MULTI/EXEC and scripts. */
export function call(server: Server, c: Client, cmd: CommandSpec, argv: string[]): void {
  const flags = cmd.flagBits!;
  if (server.monitors.size !== 0 && (flags & (F_SKIP_MONITOR | F_ADMIN)) === 0) feedMonitors(server, c, argv);
  c.cmd = cmd;
  const replyMark = c.out.pos;
  c.errorReplied = false;
  server.cmdTime = server.clock();
  const t0 = performance.now();
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    server.log.warning(`Exception in command '${cmd.fullName}': ${(e as Error).stack ?? String(e)}`);
    server.stats.unexpectedErrorReplies++;
    c.error(`ERR internal error executing '${cmd.fullName}': ${(e as Error).message ?? String(e)}`);
  }
  const us = (performance.now() - t0) * 1000;
  const st = cmd.stats!;
  st.calls++;
  st.usec += us;
  if (c.errorReplied) st.failedCalls++;
  server.stats.commandsProcessed++;
  if ((flags & F_SKIP_SLOWLOG) === 0 && (c.flags & CLIENT_BLOCKED) === 0) server.slowlogPush(c, argv, us);
  if (c.replyMode !== REPLY_ON) {
    if (c.replyMode === REPLY_SKIP) {
      c.out.pos = replyMark;
      c.replyMode = REPLY_ON;
    } else if (c.replyMode === REPLY_SKIP_NEXT) {
      // CLIENT REPLY SKIP itself replies nothing; the next command is skipped.
      c.replyMode = REPLY_SKIP;
    } else {
      c.out.pos = replyMark;
    }
  }
}

function feedMonitors(server: Server, c: Client, argv: string[]): void {
  const now = server.clock();
  const sec = Math.floor(now / 1000);
  const usec = String((now % 1000) * 1000).padStart(6, '0');
  let line = `+${sec}.${usec} [${c.db.id} ${c.addr}]`;
  for (const a of argv) line += ' ' + quoteMonitorArg(a);
  for (const m of server.monitors) {
    if (m === c) continue;
    m.out.raw(line + '\r\n');
    m.requestWrite();
  }
}

/** sdscatrepr: "..." with \n \r \t \a \b escapes and \xHH for non-printables. */
export function quoteMonitorArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        if (ch >= 0x20 && ch < 0x7f) out += s[i];
        else out += '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
