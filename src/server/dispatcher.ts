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
import { EVICT_FAIL } from './evict.js';
import { aclDeniedError } from './acl.js';
import {
  Client,
  CLIENT_BLOCKED,
  CLIENT_MONITOR,
  CLIENT_MULTI,
  CLIENT_PUBSUB,
  CLIENT_UNIX_SOCKET,
  CLIENT_SLAVE,
  CLIENT_TRACKING,
  REPLY_OFF,
  REPLY_ON,
  REPLY_SKIP,
  REPLY_SKIP_NEXT,
} from './client.js';
import { discardTransaction, flagTransaction, queueMultiCommand } from './multi.js';
import { PROPAGATE_ALL } from './propagate.js';

const F_NO_AUTH = FLAG_BITS.no_auth;
const F_WRITE = FLAG_BITS.write;
const F_MAY_REPLICATE = FLAG_BITS.may_replicate;
const F_SKIP_MONITOR = FLAG_BITS.skip_monitor;
const F_ADMIN = FLAG_BITS.admin;
const F_SKIP_SLOWLOG = FLAG_BITS.skip_slowlog;
const F_FAST = FLAG_BITS.fast;
const F_DENYOOM = FLAG_BITS.denyoom;
const F_READONLY = FLAG_BITS.readonly;
const F_LOADING = FLAG_BITS.loading;
const F_NO_MULTI = FLAG_BITS.no_multi;
const F_ALLOW_BUSY = FLAG_BITS.allow_busy;

/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

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

/**
 * rejectCommand: a refused command fails the transaction it would have joined; a refused
 * EXEC discards the transaction with the reason (execCommandAbort).
 */
function reject(c: Client, cmd: CommandSpec | undefined, msg: string, argv?: string[]): void {
  flagTransaction(c);
  if (cmd?.stats) cmd.stats.rejectedCalls++;
  if (cmd !== undefined && cmd.name === 'exec' && cmd.parent === undefined) {
    discardTransaction(c);
    // Redis formats its own errors without the ERR prefix here; shared ones keep theirs.
    const reason = msg.startsWith('ERR ') ? msg.slice(4) : msg;
    c.error(`EXECABORT Transaction discarded because of: ${reason}`);
    // MONITOR saw the MULTI: it sees the EXEC that ends the transaction too.
    if (c.server.monitors.size !== 0 && argv !== undefined) feedMonitors(c.server, c, argv);
    return;
  }
  c.error(msg);
}

/**
 * Processes one command from a client (Redis's processCommand followed by the CLIENT REPLY
 * bookkeeping of resetClient). A command held by CLIENT PAUSE does none of it now: it runs
 * through here again when the pause ends.
 */
export function processCommand(server: Server, c: Client, argv: string[]): void {
  const mark = c.out.pos;
  server.currentClient = c;
  server.executingClient = c;
  if (c.replyMode === REPLY_ON) {
    dispatch(server, c, argv);
    c.bigArgs = null;
    // Pushes held during the command (Pub/Sub messages, invalidations to itself) are placed.
    server.afterCommand(c, mark);
    // Clients blocked on keys this command made ready are served right after it (not while
    // a busy script runs: its caller's command is still executing).
    if (server.blocking.hasReadyKeys && server.busyReply === null)
      server.blocking.handleClientsBlockedOnKeys();
    server.currentClient = null;
    if (c.replyMode === REPLY_ON) return;
    applyReplyMode(c, -1);
    return;
  }
  dispatch(server, c, argv);
  c.bigArgs = null;
  if (server.blocking.hasReadyKeys && server.busyReply === null) server.blocking.handleClientsBlockedOnKeys();
  applyReplyMode(c, mark);
  // Pushes are delivered even when CLIENT REPLY silences the command (Redis's CLIENT_PUSHING).
  server.afterCommand(c, mark);
  server.currentClient = null;
}

/**
 * CLIENT REPLY OFF|SKIP: drops the reply the command just wrote (from `mark`, -1 = nothing
 * to drop) when the mode in force silences it, then moves SKIP_NEXT to SKIP so that only the
 * next command is skipped. Replies are silenced by the mode in force when they are written,
 * which for CLIENT REPLY and RESET is the mode after they changed it. A command that blocks
 * skips this; whoever completes it later calls this again (Redis's resetClient on unblock).
 */
export function applyReplyMode(c: Client, mark: number): void {
  if ((c.flags & CLIENT_BLOCKED) !== 0) return;
  const mode = c.replyMode;
  if (mark !== -1 && (mode & (REPLY_OFF | REPLY_SKIP)) !== 0) c.out.pos = mark;
  c.replyMode = (mode & REPLY_SKIP_NEXT) !== 0 ? (mode & REPLY_OFF) | REPLY_SKIP : mode & REPLY_OFF;
}

/**
 * The last command name looked up and what it resolved to, for the table it came from:
 * pipelines repeat a command, and comparing a short fresh string is cheaper than hashing it.
 */
let lastTable: Map<string, CommandSpec> | null = null;
let lastName = '';
let lastSpec: CommandSpec | undefined;

function findCommand(server: Server, name: string): CommandSpec | undefined {
  const table = server.commands;
  if (name === lastName && table === lastTable) return lastSpec;
  let cmd = table.get(name);
  if (cmd === undefined) cmd = table.get(name.toLowerCase());
  if (cmd !== undefined) {
    lastTable = table;
    lastName = name;
    lastSpec = cmd;
  }
  return cmd;
}

/**
 * A big argument (Client.bigArgs) stays bytes only as the value of a command that stores it
 * as such (`bigValueArg` in its spec) and runs now, when nothing keeps its argv: a command
 * queued by MULTI or held by CLIENT PAUSE outlives the parser's buffer, and MONITOR, the AOF
 * and replicas need the text anyway, so those get text like any other command. (The slow log
 * reads the few bytes it shows from c.bigArgs.)
 */
function keepsBigArgs(server: Server, c: Client, argv: string[]): boolean {
  const cmd = findCommand(server, argv[0]);
  if (
    cmd === undefined ||
    cmd.bigValueArg === undefined ||
    (c.flags & CLIENT_MULTI) !== 0 ||
    server.pauseUntil !== 0 ||
    server.monitors.size !== 0 ||
    server.propagationSinks.length !== 0
  )
    return false;
  const big = c.bigArgs!;
  for (let i = 0; i < big.length; i++) if (big[i] !== undefined && i !== cmd.bigValueArg) return false;
  return true;
}

/** Replaces argv's big-argument placeholders with the arguments' text, in place. */
function materializeBigArgs(c: Client, argv: string[]): void {
  const big = c.bigArgs!;
  c.bigArgs = null;
  for (let i = 0; i < big.length; i++) {
    const b = big[i];
    if (b !== undefined) argv[i] = b.latin1Slice(0, b.length);
  }
}

function dispatch(server: Server, c: Client, argv: string[]): void {
  if (c.bigArgs !== null && !keepsBigArgs(server, c, argv)) materializeBigArgs(c, argv);
  const name = argv[0];
  let cmd = findCommand(server, name);
  if (cmd === undefined) {
    c.lastCmd = null;
    reject(c, undefined, unknownCommandError(argv));
    return;
  }
  if (cmd.subMap !== undefined && argv.length >= 2) {
    const sub = cmd.subMap.get(argv[1].toLowerCase());
    if (sub === undefined) {
      c.lastCmd = null;
      reject(c, undefined, `ERR unknown subcommand '${cstr(argv[1], 128)}'. Try ${name.toUpperCase()} HELP.`);
      return;
    }
    cmd = sub;
  }
  c.lastCmd = cmd;
  const arity = cmd.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(c, cmd, `ERR wrong number of arguments for '${cmd.fullName}' command`, argv);
    return;
  }
  let flags = cmd.flagBits!;
  if (cmd.dynamicFlags !== undefined) flags = cmd.dynamicFlags(c, argv, flags);
  if (!c.authenticated && (flags & F_NO_AUTH) === 0 && server.authRequired()) {
    reject(c, cmd, 'NOAUTH Authentication required.', argv);
    return;
  }
  if ((c.flags & CLIENT_MULTI) !== 0 && (flags & F_NO_MULTI) !== 0) {
    reject(c, cmd, 'ERR Command not allowed inside a transaction');
    return;
  }
  // ACL: users allowed everything (the default user) skip the check in this one branch.
  if (!c.aclUser.allPerms) {
    const denied = server.acl.checkCommand(c.aclUser, cmd, argv);
    if (denied !== null) {
      server.acl.logDenial(c, denied, cmd, argv, (c.flags & CLIENT_MULTI) !== 0 ? 'multi' : 'toplevel');
      reject(c, cmd, aclDeniedError(denied, cmd));
      return;
    }
  }
  // maxmemory: evict first; when that cannot bring memory under the limit, refuse what may
  // grow it (denyoom commands, an EXEC of such) and, inside MULTI, anything but EXEC/DISCARD/
  // QUIT/RESET — as Redis 7.0's processCommand.
  if (
    server.maxmemory !== 0 &&
    server.busyReply === null &&
    server.evictor.performEvictions() === EVICT_FAIL &&
    rejectOnOom(c, cmd, flags)
  ) {
    reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
    return;
  }
  if ((c.flags & CLIENT_PUBSUB) !== 0 && c.proto === 2) {
    const base = cmd.parent ?? cmd;
    if (!PUBSUB_ALLOWED.has(base.name)) {
      reject(
        c,
        cmd,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
        argv,
      );
      return;
    }
  }
  // A failed save with stop-writes-on-bgsave-error: writes (and PING) get MISCONF.
  if (server.diskErrorReply !== null && ((flags & F_WRITE) !== 0 || cmd.name === 'ping')) {
    reject(c, cmd, server.diskErrorReply);
    return;
  }
  // Loading the dataset at startup: only commands flagged `loading` run (CMD_LOADING).
  if (server.rdb.loading && (flags & F_LOADING) === 0) {
    reject(c, cmd, 'LOADING Redis is loading the dataset in memory');
    return;
  }
  // A script runs past busy-reply-threshold (its hook services this client): only the
  // allow_busy commands run (AUTH, HELLO, MULTI, SCRIPT KILL, SHUTDOWN, ...).
  if (server.busyReply !== null && (flags & F_ALLOW_BUSY) === 0) {
    reject(c, cmd, server.busyReply);
    return;
  }
  // CLIENT PAUSE: hold the command (all commands, or only those that may write) until the
  // pause ends; the server's pause timer or CLIENT UNPAUSE runs it again from the top.
  // Replicas and monitors are never paused.
  if (
    server.pauseUntil !== 0 &&
    (c.flags & (CLIENT_MONITOR | CLIENT_SLAVE)) === 0 &&
    (!server.pauseWritesOnly || mayWrite(c, cmd, flags))
  ) {
    c.postponed = argv;
    c.flags |= CLIENT_BLOCKED;
    server.pausedClients.push(c);
    return;
  }
  if ((c.flags & CLIENT_MULTI) !== 0 && !MULTI_IMMEDIATE.has((cmd.parent ?? cmd).name)) {
    queueMultiCommand(c, cmd, argv);
    c.out.status('QUEUED');
    return;
  }
  call(server, c, cmd, argv);
}

function rejectOnOom(c: Client, cmd: CommandSpec, flags: number): boolean {
  const name = (cmd.parent ?? cmd).name;
  if (
    (c.flags & CLIENT_MULTI) !== 0 &&
    name !== 'exec' &&
    name !== 'discard' &&
    name !== 'quit' &&
    name !== 'reset'
  )
    return true;
  if (name === 'exec') flags |= c.multiCmdFlags;
  return (flags & F_DENYOOM) !== 0;
}

/** Whether CLIENT PAUSE WRITE holds this command: writes, may-replicate ones, and an EXEC of such. */
function mayWrite(c: Client, cmd: CommandSpec, flags: number): boolean {
  if (cmd.name === 'exec') flags |= c.multiCmdFlags;
  return (flags & (F_WRITE | F_MAY_REPLICATE)) !== 0;
}

/**
 * Runs a command's handler with statistics and propagation (Redis's call()). Also used by
 * MULTI/EXEC and scripts: nested calls share the outer command's frozen time, and what they
 * propagate is delivered as one unit when the top-level call ends (see propagate.ts).
 */
export function call(server: Server, c: Client, cmd: CommandSpec, argv: string[]): void {
  const flags = cmd.flagBits!;
  // Saved for nesting: EXEC and scripts run commands through call() inside their own.
  const outerArgv = c.argv;
  const outerRedacted = c.redactedArgv;
  const outerPropagated = server.cmdPropagated;
  const outerForced = server.cmdForcePropagation;
  const depth = server.callDepth++;
  const dirty = server.dirty;
  server.cmdPropagated = false;
  server.cmdForcePropagation = 0;
  c.cmd = cmd;
  c.argv = argv;
  c.redactedArgv = null;
  c.errorReplied = false;
  const t0 = performance.now();
  // One clock read for the command's time and its duration (wallOffset: see Server).
  if (depth === 0) {
    const off = server.wallOffset;
    server.cmdTime = off !== null ? Math.floor(t0 + off) : server.clock();
  }
  // A command failed when error replies were counted while it ran, to any client (CLIENT
  // UNBLOCK ... ERROR fails too), after the last nested call (Redis's incrCommandStatsOnError).
  server.stats.prevErrorReplies = server.stats.totalErrorReplies;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    server.log.warning(`Exception in command '${cmd.fullName}': ${(e as Error).stack ?? String(e)}`);
    server.stats.unexpectedErrorReplies++;
    c.error(`ERR internal error executing '${cmd.fullName}': ${(e as Error).message ?? String(e)}`);
  }
  const us = (performance.now() - t0) * 1000;
  // Client-side caching remembers the keys a tracking client read.
  if ((flags & F_READONLY) !== 0 && (c.flags & CLIENT_TRACKING) !== 0)
    server.tracking.rememberKeys(c, cmd, argv);
  // A write that did not propagate itself is propagated as it is, after its side effects,
  // in the database it left selected. EXEC only propagates what its commands did.
  if (!server.cmdPropagated && server.propagationSinks.length !== 0 && cmd.name !== 'exec') {
    const target = (server.dirty !== dirty ? PROPAGATE_ALL : 0) | server.cmdForcePropagation;
    if (target !== 0) server.pendingOps.push({ dbid: c.db.id, argv, target });
  }
  server.cmdPropagated = outerPropagated;
  server.cmdForcePropagation = outerForced;
  server.callDepth = depth;
  // Slow log and MONITOR see the arguments after the command ran, with secrets redacted
  // (AUTH, HELLO AUTH) and the database it left selected, as in Redis 7.0.
  const shown = c.redactedArgv ?? argv;
  c.argv = outerArgv;
  c.redactedArgv = outerRedacted;
  const st = cmd.stats!;
  st.calls++;
  st.usec += us;
  if (server.stats.totalErrorReplies > server.stats.prevErrorReplies) st.failedCalls++;
  server.stats.prevErrorReplies = server.stats.totalErrorReplies;
  server.stats.commandsProcessed++;
  if ((c.flags & CLIENT_BLOCKED) === 0) {
    server.stats.commandDone(cmd, us, (flags & F_FAST) !== 0, server.cmdTime);
    if ((flags & F_SKIP_SLOWLOG) === 0) server.slowlogPush(c, shown, us);
  }
  if (server.monitors.size !== 0 && (flags & (F_SKIP_MONITOR | F_ADMIN)) === 0)
    feedMonitors(server, c, shown);
  if (depth === 0 && server.pendingOps.length !== 0) server.propagatePendingCommands();
}

export function feedMonitors(server: Server, c: Client, argv: string[]): void {
  const now = server.clock();
  const sec = Math.floor(now / 1000);
  const usec = String((now % 1000) * 1000).padStart(6, '0');
  const peer = (c.flags & CLIENT_UNIX_SOCKET) !== 0 ? `unix:${server.config.str('unixsocket')}` : c.addr;
  let line = `+${sec}.${usec} [${c.db.id} ${peer}]`;
  for (const a of argv) line += ' ' + quoteMonitorArg(a);
  for (const m of server.monitors) {
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
